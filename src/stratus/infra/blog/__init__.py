"""CDK for the blog system (MyBlog.com)."""
