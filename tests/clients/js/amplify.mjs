// Amplify JS v6 in Node against the local cloud: `node amplify.mjs '<json>'`.
// {endpoint, poolId, clientId, username, password, step} -> one JSON line on stdout.
// step "sign-in": signIn (SRP, Amplify's default) and the session's tokens;
// step "setup-totp": sign in, set TOTP up and prefer it (answers the secret);
// step "mfa-sign-in": signIn, then confirmSignIn with the TOTP code of `secret`;
// step "setup-on-sign-in": signIn in a pool that requires MFA, set TOTP up with the secret
// Amplify was given, confirmSignIn with its code (answers the secret);
// step "refresh-after-expiry": signIn, move the cloud clock past the access token's hour
// (POST <endpoint>/_stratus/clock), then fetchAuthSession({forceRefresh}) as Amplify does
// when its tokens have expired (answers both access tokens).
import { Amplify } from 'aws-amplify';
import {
  confirmSignIn,
  fetchAuthSession,
  setUpTOTP,
  signIn,
  updateMFAPreference,
  verifyTOTPSetup,
} from 'aws-amplify/auth';
import { totp } from './totp.mjs';

const args = JSON.parse(process.argv[2]);
Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: args.poolId,
      userPoolClientId: args.clientId,
      userPoolEndpoint: args.endpoint,
    },
  },
});

async function claims() {
  const session = await fetchAuthSession();
  return session.tokens.idToken.payload;
}

async function main() {
  const first = await signIn({ username: args.username, password: args.password });
  if (args.step === 'sign-in') {
    return { step: first.nextStep.signInStep, claims: first.isSignedIn ? await claims() : null };
  }
  if (args.step === 'setup-totp') {
    const details = await setUpTOTP();
    const secret = details.sharedSecret;
    let wrong = null;
    try {
      await verifyTOTPSetup({ code: totp(secret) === '000000' ? '111111' : '000000' });
    } catch (err) {
      wrong = err.name;
    }
    await verifyTOTPSetup({ code: totp(secret) });
    await updateMFAPreference({ totp: 'PREFERRED' });
    return { secret, wrong };
  }
  if (args.step === 'mfa-sign-in') {
    const answered = await confirmSignIn({ challengeResponse: totp(args.secret) });
    return {
      step: first.nextStep.signInStep,
      after: answered.nextStep.signInStep,
      claims: answered.isSignedIn ? await claims() : null,
    };
  }
  if (args.step === 'setup-on-sign-in') {
    const secret = first.nextStep.totpSetupDetails.sharedSecret;
    const answered = await confirmSignIn({ challengeResponse: totp(secret) });
    return {
      step: first.nextStep.signInStep,
      after: answered.nextStep.signInStep,
      secret,
      claims: answered.isSignedIn ? await claims() : null,
    };
  }
  if (args.step === 'refresh-after-expiry') {
    const before = (await fetchAuthSession()).tokens.accessToken.toString();
    const moved = await fetch(`${args.endpoint}/_stratus/clock`, {
      method: 'POST',
      body: JSON.stringify({ advance_seconds: 3700 }),
    });
    if (!moved.ok) throw new Error(`clock: ${moved.status}`);
    const after = (await fetchAuthSession({ forceRefresh: true })).tokens.accessToken.toString();
    return { step: first.nextStep.signInStep, before, after };
  }
  throw new Error(`unknown step ${args.step}`);
}

main().then(
  (result) => console.log(JSON.stringify({ ok: true, ...result })),
  (err) => console.log(JSON.stringify({ ok: false, name: err.name, message: err.message })),
);
