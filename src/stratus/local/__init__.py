"""The local cloud: provisions the synthesized CDK templates on 127.0.0.1 and serves them."""
