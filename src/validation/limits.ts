/** The service's documented limits (docs/limits.md), enforced as validation errors. */
export const MAX_ATTRIBUTES = 100;
export const MAX_ATTRIBUTE_KEY_LENGTH = 256;
export const MAX_ATTRIBUTE_STRING_LENGTH = 4096;
export const MAX_ATTRIBUTE_LIST_LENGTH = 1000;
export const MAX_ATTRIBUTE_LIST_ITEM_LENGTH = 512;
