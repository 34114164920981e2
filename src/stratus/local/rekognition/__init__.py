"""Rekognition image operations on the local cloud.

- DetectFaces: a real detector, OpenCV's frontal-face Haar cascade (`faces`), in
  Rekognition's response shape.
- DetectLabels and DetectModerationLabels: a documented **stand-in** (`standin`), not a
  model: labels from simple image statistics (faces found -> Person/Face with instances, the
  dominant colour), no moderation labels, unless a test steered the answer for an image
  through `POST /_stratus/rekognition/labels` (matched by a perceptual hash, so a resized
  or re-encoded copy of the image gets the same answer).
- Images come as `Image.Bytes` or `Image.S3Object` (read from the local S3), with
  Rekognition's limits and errors (`images`).
Every other Rekognition operation is moto's (canned answers).
"""
