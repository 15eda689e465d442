"""Infrastructure indicators (chỉ tiêu): profiles, evaluation, declared values."""
