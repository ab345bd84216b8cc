// `import CacheRuntime` alone gives a user the keys, TTLs, invalidation values and codecs that generated code uses,
// as well as the cache.
@_exported import CacheSchemaCore
