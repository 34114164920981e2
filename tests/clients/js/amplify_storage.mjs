// Amplify JS v6 Storage (uploadData / downloadData) against the local S3 over HTTPS:
// `customEndpoint` is a host[:port] that Amplify always prefixes with https:// (an http://
// endpoint is refused: InvalidCustomEndpoint), trusted through NODE_EXTRA_CA_CERTS.
// Credentials come from `locationCredentialsProvider` (the test's own keys), so no identity
// pool is needed. Amplify exposes no path-style switch with a custom endpoint: it uses
// path style only for a bucket name with a dot, else `<bucket>.<customEndpoint>`.
// Usage: node amplify_storage.mjs <host:port> <bucket> <path>; prints a JSON result.
import { Amplify } from "aws-amplify";
import { uploadData, downloadData } from "aws-amplify/storage";

const [customEndpoint, bucket, path] = process.argv.slice(2);
Amplify.configure({ Storage: { S3: { bucket, region: "us-east-1" } } });
const locationCredentialsProvider = async () => ({
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});
const options = { customEndpoint, locationCredentialsProvider };
const body = `hello from Amplify ${Date.now()}`;
try {
  const uploaded = await uploadData({ path, data: body, options }).result;
  const downloaded = await downloadData({ path, options }).result;
  const text = await downloaded.body.text();
  console.log(JSON.stringify({ sent: body, got: text, path: uploaded.path }));
} catch (error) {
  console.log(JSON.stringify({ error: `${error.name}: ${error.message}` }));
  process.exitCode = 1;
}
