/**
 * Site adapters: what Overcrypt knows about a chat page, declaratively (see spec.ts), answering on a
 * Document passed in. Content scripts use `createSiteRegistry().forPage(document)`.
 */
export { createAdapter, hostMatches, measure } from './adapter';
export type { ConversationContext, ConversationKind, MessageLimits, RenderedMessage, SiteAdapter } from './adapter';
export { findArmorElements, findComposeCandidates, GENERIC } from './adapters/generic';
export type { ArmorScanOptions } from './adapters/generic';
export { THE_LOUNGE } from './adapters/thelounge';
export { composeText, insertIntoCompose, isContentEditable, isTextControl, pressKey, triggerSend } from './compose';
export type { InsertResult, InsertStrategy, SendOptions } from './compose';
export { BUILTIN_HOOKS } from './hooks';
export type { SiteHooks } from './hooks';
export { cardIdentity, namespaceFromHost, normaliseHandle, normaliseNamespace, parseCardIdentity } from './identity';
export type { HandleCase } from './identity';
export { BUILTIN_SPECS, createSiteRegistry } from './registry';
export type { RegistryOptions, SiteRegistry, SpecProblem } from './registry';
export { defineAdapterSpec, parseAdapterSpec, SiteAdapterSpecSchema } from './spec';
export type { SiteAdapterSpec, SpecParseResult, ValueSource } from './spec';
