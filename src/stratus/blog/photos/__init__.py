"""The blog's photo pipeline: an upload in the upload bucket becomes responsive variants.

An S3 ObjectCreated event runs `handler.handler`; `pipeline` does the work in steps that
each have one module: `decode` (real type check, byte and pixel limits, EXIF orientation,
sRGB), `insights` (optional Rekognition: moderation, labels, faces), `focal` (the square
crop's centre), `variants` (the resize chain and parallel encoding), `store` (S3).
Variants go to the photo bucket as `<upload key without extension>/<width>.<ext>` with
`<stem>/meta.json` beside them; the original stays in the upload bucket, tagged with the
outcome (`photo-status`, `photo-reason`) so the author sees why an upload was rejected.
"""
