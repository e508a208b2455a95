"""Code that runs in AWS, shipped as files (each one a Lambda function's whole package); nothing here imports boto3 at import time."""
