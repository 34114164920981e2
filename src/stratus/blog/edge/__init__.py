"""Lambda@Edge functions of the blog (standard library only; see viewer_request)."""
