/// The 64-bit hash behind shard assignment. It must give the same value in
/// every process, on every platform and in every release, so it is spelled
/// out here and never uses Swift's `Hasher` (seeded per process).
///
/// `hash64(namespace:member:)` is, exactly:
/// 1. FNV-1a 64 (offset basis `0xcbf29ce484222325`, prime `0x100000001b3`,
///    `h = (h ^ byte) &* prime` per byte) over the UTF-8 bytes of the
///    namespace, then one `0x00` byte as a separator, then the UTF-8 bytes of
///    the member id. Strings are hashed as given (no Unicode normalization).
///    Kubernetes names never contain NUL, so the separator makes the pair
///    unambiguous (`("ab", "c")` and `("a", "bc")` differ).
/// 2. The MurmurHash3 64-bit finalizer `fmix64` on the result:
///    `k ^= k >> 33; k &*= 0xff51afd7ed558ccd; k ^= k >> 33;
///    k &*= 0xc4ceb9fe1a85ec53; k ^= k >> 33`.
///
/// FNV-1a alone leaves inputs that differ only in their last byte (members
/// `vigil-0`, `vigil-1`, …) with weights a small multiple of the prime apart;
/// the finalizer spreads every input bit over the whole word so rendezvous
/// weights of different members behave as independent draws.
public enum StableHash {
    /// FNV-1a 64-bit offset basis.
    public static let fnvOffsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    /// FNV-1a 64-bit prime.
    public static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3

    /// FNV-1a 64 over `bytes`, continuing from `state` (start with
    /// `fnvOffsetBasis`).
    @inlinable
    public static func fnv1a64<Bytes: Sequence>(_ bytes: Bytes, state: UInt64 = fnvOffsetBasis) -> UInt64
    where Bytes.Element == UInt8 {
        var h = state
        for b in bytes {
            h = (h ^ UInt64(b)) &* fnvPrime
        }
        return h
    }

    /// The MurmurHash3 64-bit finalizer (a bijection on `UInt64`).
    @inlinable
    public static func fmix64(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k >> 33
        k &*= 0xff51_afd7_ed55_8ccd
        k ^= k >> 33
        k &*= 0xc4ce_b9fe_1a85_ec53
        k ^= k >> 33
        return k
    }

    /// The rendezvous weight of `member` for `namespace` (see the type's
    /// documentation for the exact algorithm).
    @inlinable
    public static func hash64(namespace: String, member: String) -> UInt64 {
        var h = fnv1a64(namespace.utf8)
        h = (h ^ 0x00) &* fnvPrime
        h = fnv1a64(member.utf8, state: h)
        return fmix64(h)
    }

    /// The rendezvous weight of `member` for `namespace`.
    @inlinable
    public static func hash64(namespace: String, member: MemberID) -> UInt64 {
        hash64(namespace: namespace, member: member.rawValue)
    }
}
