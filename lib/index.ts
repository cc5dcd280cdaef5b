/**
 * The package's public entry (`import { … } from 'secure-delivery'`). Until the `SecureDelivery` construct
 * lands, it exports the stack the repository's own app deploys.
 */
export { SecureDeliveryStack, type SecureDeliveryStackProps } from './secure-delivery-stack.ts';
