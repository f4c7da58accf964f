/** The crypto modules the engines use, in one place (so the engine files stay short). */
export {
  CardDirectory, parseDeviceCard, exportPublicKeyBase64, importPrivateKeyBytes, exportPrivateKeyBytes, generateDeviceKey,
  generateIdentityKey, rawPublicKey, type DeviceCard, type KeyPair, type RawCardJson,
} from '../cards';
export { deviceIdentityFromVirgil as deviceIdentity } from '../x3dh';
