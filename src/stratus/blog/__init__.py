"""The blog system (MyBlog.com): posts in Markdown, static publishing, comments, subscribers."""
