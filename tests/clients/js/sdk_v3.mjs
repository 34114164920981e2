// The AWS SDK for JavaScript v3: a raw SRP exchange with a garbage proof must be refused.
// `node sdk_v3.mjs '<json>'` {endpoint, clientId, username} -> one JSON line on stdout.
import { randomBytes } from 'node:crypto';
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
} from '@aws-sdk/client-cognito-identity-provider';

const args = JSON.parse(process.argv[2]);
const client = new CognitoIdentityProviderClient({
  region: 'us-east-1',
  endpoint: args.endpoint,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});

async function main() {
  const started = await client.send(
    new InitiateAuthCommand({
      ClientId: args.clientId,
      AuthFlow: 'USER_SRP_AUTH',
      AuthParameters: { USERNAME: args.username, SRP_A: randomBytes(384).toString('hex') },
    }),
  );
  const params = started.ChallengeParameters;
  await client.send(
    new RespondToAuthChallengeCommand({
      ClientId: args.clientId,
      ChallengeName: 'PASSWORD_VERIFIER',
      Session: started.Session,
      ChallengeResponses: {
        USERNAME: params.USER_ID_FOR_SRP,
        PASSWORD_CLAIM_SECRET_BLOCK: params.SECRET_BLOCK,
        PASSWORD_CLAIM_SIGNATURE: randomBytes(32).toString('base64'),
        TIMESTAMP: 'Mon Nov 3 09:05:01 UTC 2026',
      },
    }),
  );
  return { challenge: started.ChallengeName };
}

main().then(
  (result) => console.log(JSON.stringify({ ok: true, ...result })),
  (err) => console.log(JSON.stringify({ ok: false, name: err.name, message: err.message })),
);
