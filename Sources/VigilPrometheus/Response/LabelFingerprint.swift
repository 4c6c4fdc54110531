/// The fingerprint Prometheus and Alertmanager give a label set
/// (`model.LabelSet.Fingerprint`): FNV-1a 64 over the label names in sorted
/// order, each name and value followed by the byte 0xFF, printed as 16
/// lowercase hex digits. Alertmanager's webhook `fingerprint` is this value,
/// so an alert polled from Prometheus and the same alert pushed by
/// Alertmanager are one trigger instance.
public enum LabelFingerprint {
    static let offset: UInt64 = 14_695_981_039_346_656_037
    static let prime: UInt64 = 1_099_511_628_211

    public static func of(_ labels: [String: String]) -> String {
        var h = offset
        func add(_ bytes: String.UTF8View) {
            for b in bytes {
                h ^= UInt64(b)
                h = h &* prime
            }
        }
        func separator() {
            h ^= 0xFF
            h = h &* prime
        }
        for name in labels.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            add(name.utf8)
            separator()
            add(labels[name]!.utf8)
            separator()
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
