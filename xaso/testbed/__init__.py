"""The real services xaso's tests and benchmarks start: Mosquitto and influxd on free
loopback ports in temporary folders, certificates, a disk that really fills up.

Plain Python, no pytest: a missing binary raises :class:`MissingBinary`, which the test
suite turns into a skip (or a failure where services are required) and a benchmark
reports as the install step it lacks.
"""
