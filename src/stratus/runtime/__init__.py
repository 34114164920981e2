"""Code shipped in every Lambda bundle: config, errors, responses, auth claims, clients."""
