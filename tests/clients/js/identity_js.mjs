// amazon-cognito-identity-js in Node: `node identity_js.mjs '<json>'`, SRP authenticateUser.
// {endpoint, poolId, clientId, username, password} -> one JSON line on stdout.
import pkg from 'amazon-cognito-identity-js';

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = pkg;
const args = JSON.parse(process.argv[2]);
const pool = new CognitoUserPool({
  UserPoolId: args.poolId,
  ClientId: args.clientId,
  endpoint: args.endpoint,
});
const user = new CognitoUser({ Username: args.username, Pool: pool });
const details = new AuthenticationDetails({ Username: args.username, Password: args.password });
user.authenticateUser(details, {
  onSuccess: (session) =>
    console.log(JSON.stringify({ ok: true, claims: session.getIdToken().decodePayload() })),
  onFailure: (err) =>
    console.log(JSON.stringify({ ok: false, name: err.code || err.name, message: err.message })),
  totpRequired: () => console.log(JSON.stringify({ ok: false, name: 'totpRequired' })),
  mfaSetup: () => console.log(JSON.stringify({ ok: false, name: 'mfaSetup' })),
  newPasswordRequired: () => console.log(JSON.stringify({ ok: false, name: 'newPasswordRequired' })),
});
