// OpenSSL's libcrypto digests (SHA-256 with the CPU's SHA extensions). Prefixed mm_.
#ifndef MMPREP_CCRYPTO_SHIM_H
#define MMPREP_CCRYPTO_SHIM_H
#include <stddef.h>
#include <openssl/evp.h>

/// A SHA-256 context, or NULL when out of memory.
static inline EVP_MD_CTX *mm_sha256_new(void) {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) { EVP_MD_CTX_free(ctx); return NULL; }
    return ctx;
}
static inline int mm_sha256_update(EVP_MD_CTX *ctx, const void *data, size_t size) {
    return EVP_DigestUpdate(ctx, data, size);
}
/// Writes 32 bytes to `out`.
static inline int mm_sha256_final(EVP_MD_CTX *ctx, unsigned char *out) {
    unsigned int n = 0;
    return EVP_DigestFinal_ex(ctx, out, &n);
}
static inline void mm_sha256_free(EVP_MD_CTX *ctx) { EVP_MD_CTX_free(ctx); }
#endif
