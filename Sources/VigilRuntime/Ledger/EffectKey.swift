/// The deterministic name of one side effect: the same resource, trigger
/// instance and action always give the same key, in every process and
/// replica, so a repeated attempt is recognised (ledger entry, webhook
/// `webhook-id` / `Idempotency-Key`).
///
/// The key is the first 16 bytes (128 bits; 32 lowercase hex characters) of
/// SHA-256 over this canonical encoding:
///
///     "vigil.dev/effect-key/v1" 0x00
///     u64be(byte length of resourceUID) resourceUID as UTF-8
///     u64be(byte length of trigger)     trigger as UTF-8
///     i64be(actionIndex)
///
/// Length prefixes make the encoding injective (no separator inside a field
/// can make two different inputs collide); the version tag lets a future
/// encoding coexist. Strings are hashed as their UTF-8 bytes exactly as given
/// (no Unicode normalization), so callers build `trigger` from the same
/// canonical parts every time, e.g. `"alert:<fingerprint>@<startsAt RFC 3339>"`.
public struct EffectKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// 32 lowercase hex characters.
    public let rawValue: String

    /// The tag that starts the hashed encoding.
    public static let domain = "vigil.dev/effect-key/v1"

    /// The key of action number `actionIndex` of the trigger instance
    /// `trigger` on the resource with UID `resourceUID`.
    public init(resourceUID: String, trigger: String, actionIndex: Int) {
        rawValue = Hex.encode(SHA256.hash(Self.canonicalEncoding(resourceUID: resourceUID, trigger: trigger, actionIndex: actionIndex)).prefix(16))
    }

    /// A key read back from a ledger entry (not checked: entries written by
    /// other versions keep whatever key they had).
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// The bytes that are hashed (see the type's documentation).
    public static func canonicalEncoding(resourceUID: String, trigger: String, actionIndex: Int) -> [UInt8] {
        var out = Array(domain.utf8)
        out.append(0)
        func appendU64(_ v: UInt64) {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
        }
        for field in [resourceUID, trigger] {
            let bytes = Array(field.utf8)
            appendU64(UInt64(bytes.count))
            out += bytes
        }
        appendU64(UInt64(bitPattern: Int64(actionIndex)))
        return out
    }

    public var description: String { rawValue }

    public static func < (a: EffectKey, b: EffectKey) -> Bool { a.rawValue < b.rawValue }
}
