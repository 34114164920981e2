// The AWS SDK for JavaScript v3 against the local S3 over HTTPS (the AWS endpoint's TLS
// port), trusting the local CA through NODE_EXTRA_CA_CERTS only (no insecure agent).
// Usage: node s3_https.mjs <https endpoint> <bucket> <key>; prints a JSON result.
import { S3Client, PutObjectCommand, GetObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

const [endpoint, bucket, key] = process.argv.slice(2);
const s3 = new S3Client({
  endpoint,
  region: "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});
const body = `hello over TLS ${Date.now()}`;
await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
const text = await got.Body.transformToString();
// A URL pre-signed for the HTTPS endpoint, fetched by Node's own fetch.
const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), {
  expiresIn: 300,
});
const viaUrl = await (await fetch(url)).text();
console.log(JSON.stringify({ sent: body, got: text, presigned: url, viaUrl }));
