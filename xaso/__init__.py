"""xaso: monitoring and compliance for commune smart radio and CCTV networks."""

__version__ = "0.1.0"
