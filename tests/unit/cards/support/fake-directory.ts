/**
 * In-process fake of the directory's four card routes (virgil-sdk Cards v5), served
 * through an injected `fetch`. It co-signs published cards with an app key via
 * virgil-sdk's ModelSigner (signer `app`), like the real directory. Tokens are real
 * virgil JWTs so CardManager's CallbackJwtProvider can parse them.
 *
 * Test-only knobs: `inject(raw)` stores a card as-is (a malicious directory serving
 * a rogue card), `appSign(raw)` adds the app signature to an arbitrary model.
 */
import { JwtGenerator, Jwt, ModelSigner, RawSignedModel, type IRawSignedModelJson } from 'virgil-sdk';
import { VirgilAccessTokenSigner, VirgilCardCrypto } from 'virgil-crypto';
import { ensureCrypto, virgil } from '../../../../lib/crypto/init';
import { cardIdOf, exportPublicKeyBase64, type FetchLike, type KeyPair } from '../../../../lib/cards';

interface StoredCard {
  raw: IRawSignedModelJson;
  identity: string;
  superseded: boolean;
}

export class FakeDirectory {
  readonly appKey: KeyPair;
  readonly appPublicKey: string;
  private readonly jwt: JwtGenerator;
  private readonly cards = new Map<string, StoredCard>();
  requests = 0;

  private constructor() {
    this.appKey = virgil().generateKeys();
    this.appPublicKey = exportPublicKeyBase64(this.appKey.publicKey);
    this.jwt = new JwtGenerator({
      appId: 'overcrypt-test',
      apiKeyId: 'k1',
      apiKey: this.appKey.privateKey,
      accessTokenSigner: new VirgilAccessTokenSigner(virgil()),
      millisecondsToLive: 3_600_000,
    });
  }

  static async create(): Promise<FakeDirectory> {
    await ensureCrypto();
    return new FakeDirectory();
  }

  token(identity: string): string {
    return this.jwt.generateToken(identity).toString();
  }

  /** Adds the app signature to a model, as the directory does on publish. */
  appSign(model: RawSignedModel): RawSignedModel {
    new ModelSigner(new VirgilCardCrypto(virgil())).sign({ model, signerPrivateKey: this.appKey.privateKey, signer: 'app' });
    return model;
  }

  /** Stores a card without any checks (what a malicious directory could serve). */
  inject(model: RawSignedModel): string {
    const id = cardIdOf(model.contentSnapshot);
    const content = JSON.parse(model.contentSnapshot) as { identity: string; previous_card_id?: string };
    if (content.previous_card_id) this.supersede(content.previous_card_id);
    this.cards.set(id, { raw: model.toJson(), identity: content.identity, superseded: false });
    return id;
  }

  readonly fetch: FetchLike = async (url, init) => {
    this.requests++;
    const path = new URL(url).pathname;
    const auth = new Headers(init.headers).get('Authorization') ?? '';
    let caller: string;
    try {
      caller = Jwt.fromString(auth.replace(/^Virgil /, '')).identity();
    } catch {
      return json(401, { code: 20300, message: 'bad token' });
    }
    const body = typeof init.body === 'string' && init.body ? JSON.parse(init.body) : {};
    if (init.method === 'POST' && path === '/card/v5') return this.publish(caller, body);
    if (init.method === 'POST' && path === '/card/v5/actions/search') return this.search(body.identities);
    const revoke = /^\/card\/v5\/actions\/revoke\/([0-9a-f]{64})$/.exec(path);
    if (init.method === 'POST' && revoke) return this.revoke(caller, revoke[1]!);
    const get = /^\/card\/v5\/([0-9a-f]{64})$/.exec(path);
    if (init.method === 'GET' && get) return this.get(get[1]!);
    return json(404, { code: 404, message: 'no route' });
  };

  private publish(caller: string, body: IRawSignedModelJson): Response {
    const model = RawSignedModel.fromJson(body);
    const content = JSON.parse(model.contentSnapshot) as { identity: string; public_key: string; previous_card_id?: string };
    if (content.identity !== caller) return json(403, { code: 403, message: 'identity mismatch' });
    const self = model.signatures.find((s) => s.signer === 'self');
    const key = virgil().importPublicKey(content.public_key);
    if (!self || !virgil().verifySignature(model.contentSnapshot + (self.snapshot ?? ''), self.signature, key)) {
      return json(400, { code: 400, message: 'bad self signature' });
    }
    if (content.previous_card_id) {
      const prev = this.cards.get(content.previous_card_id);
      if (!prev || prev.identity !== caller) return json(400, { code: 400, message: 'bad previous card' });
    }
    this.appSign(model);
    this.inject(model);
    return json(200, model.toJson());
  }

  private search(identities: string[]): Response {
    const found = [...this.cards.values()].filter((c) => !c.superseded && identities.includes(c.identity)).map((c) => c.raw);
    return json(200, found);
  }

  private get(id: string): Response {
    const card = this.cards.get(id);
    if (!card) return json(404, { code: 404, message: 'not found' });
    return json(200, card.raw, card.superseded ? { 'X-Virgil-Is-Superseeded': 'true' } : {});
  }

  private revoke(caller: string, id: string): Response {
    const card = this.cards.get(id);
    if (!card) return json(404, { code: 404, message: 'not found' });
    if (card.identity !== caller) return json(403, { code: 403, message: 'not yours' });
    card.superseded = true;
    return json(200, {});
  }

  private supersede(id: string): void {
    const prev = this.cards.get(id);
    if (prev) prev.superseded = true;
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}
