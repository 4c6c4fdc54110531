import VigilJSON

/// The spec of a `MemoryScaler`: which pods it watches, when a container
/// gets more memory (near its limit, or OOM-killed), by how much and up to
/// what, and how the new size is applied.
public struct MemoryScalerSpec: Sendable, Hashable {
    /// How a new memory size reaches a container.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// Patches the pod's `pods/resize` subresource and follows its resize conditions.
        case inPlace = "InPlace"
        /// Patches the pod template of the owning Deployment or StatefulSet, which rolls the pods.
        case owner = "Owner"
        /// In place first; through the owner when the cluster refuses or the resize would restart the container.
        case auto = "Auto"
    }

    /// `multiplier`: the factor of one step, a decimal greater than 1 and at
    /// most 10, kept as the exact fraction its decimal text says (1.5 is 3/2),
    /// so a step computes in whole numbers (`MemoryStep.next`).
    public struct Multiplier: Sendable, Hashable, CustomStringConvertible {
        /// The largest multiplier accepted (the smallest is anything above 1).
        public static let maximum = 10.0

        /// The value as read.
        public let value: Double
        /// The shortest decimal text of `value` (`"1.5"`, `"2"`): what was written, less trailing zeros.
        public let text: String
        /// `value` = `numerator` / `denominator`, exactly, reduced.
        public let numerator: Int64
        public let denominator: Int64

        /// A multiplier of `value`; nil unless 1 < `value` ≤ 10.
        public init?(_ value: Double) {
            guard value.isFinite, value > 1, value <= Self.maximum else { return nil }
            var text = "\(value)"
            if text.hasSuffix(".0") { text.removeLast(2) }
            // Between 1 and 10 a Double prints as a plain decimal of at most 17 digits.
            guard let f = MemoryStep.fraction(decimal: text) else { return nil }
            self.init(value: value, text: text, numerator: f.numerator, denominator: f.denominator)
        }

        /// A multiplier whose parts the caller knows to agree (for constants).
        init(value: Double, text: String, numerator: Int64, denominator: Int64) {
            self.value = value
            self.text = text
            self.numerator = numerator
            self.denominator = denominator
        }

        public var description: String { text }
    }

    /// A memory size: the quantity as written (`2Gi`) and the bytes it says.
    /// Equality, hashing and ordering look at the bytes only (`2Gi` == `2048Mi`).
    public struct Memory: Sendable, Hashable, Comparable, CustomStringConvertible {
        /// The size in bytes (greater than zero).
        public let bytes: Int64
        /// The quantity as written, or `MemoryStep.quantity(bytes:)` for a size built from a number.
        public let text: String

        /// `bytes` (at least 1), written as `MemoryStep.quantity(bytes:)` writes it.
        public init(bytes: Int64) {
            self.bytes = max(1, bytes)
            self.text = MemoryStep.quantity(bytes: self.bytes)
        }

        /// Parses a memory quantity; the error says what is wrong and what would be valid.
        public init(parsing text: String) throws(MemoryStep.QuantityError) {
            self.bytes = try MemoryStep.bytes(parsing: text)
            self.text = text
        }

        public var description: String { text }

        public static func == (a: Memory, b: Memory) -> Bool { a.bytes == b.bytes }
        public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
        public static func < (a: Memory, b: Memory) -> Bool { a.bytes < b.bytes }
    }

    public static let thresholdRange: ClosedRange<Int64> = 1...100
    public static let defaultThresholdPercent: Int64 = 80
    public static let defaultMultiplier = Multiplier(value: 1.5, text: "1.5", numerator: 3, denominator: 2)
    public static let defaultCooldown = GoDuration(milliseconds: 300_000, text: "5m")
    public static let defaultMode = Mode.auto

    /// The pods whose containers are watched, besides those that opt in with
    /// the annotation `vigil.dev/memory-scaler: <name>` (`MemoryScaler.optInAnnotation`).
    /// Nil: only the annotated pods; `{}`: every pod in the namespace.
    public var selector: LabelSelectorSpec?
    /// A container's working set at or above this percentage of its memory limit triggers a step.
    public var thresholdPercent: Int64
    /// Each step sets the limit to the current limit × this, rounded up to a whole Mi (the request grows in the same proportion).
    public var multiplier: Multiplier
    /// No step goes above this; a container already there gets the `AtMaximum` condition and is left alone.
    public var maxMemory: Memory
    /// A container whose last termination was `OOMKilled` triggers a step too (no Prometheus needed).
    public var onOOMKilled: Bool
    /// After a step, its target (the pod, in place; the Deployment or StatefulSet, through the owner) is not stepped again for this long (zero: no pause).
    public var cooldown: GoDuration
    public var mode: Mode
    /// Writes are sent with `dryRun=All`: status and Events say what would be resized.
    public var dryRun: Bool
    /// Nothing is resized while set.
    public var paused: Bool
    /// The Prometheus source the working sets are read from (a name under
    /// `prometheus.sources` in vigil.yaml); `default` when unset.
    public var source: String?

    /// The source used: `source`, or `default`.
    public var effectiveSource: String { source ?? CounterMeasureSpec.defaultSource }

    public init(
        source: String? = nil, selector: LabelSelectorSpec? = nil, thresholdPercent: Int64 = defaultThresholdPercent, multiplier: Multiplier = defaultMultiplier,
        maxMemory: Memory, onOOMKilled: Bool = true, cooldown: GoDuration = defaultCooldown, mode: Mode = defaultMode, dryRun: Bool = false,
        paused: Bool = false
    ) {
        self.source = source
        self.selector = selector
        self.thresholdPercent = thresholdPercent
        self.multiplier = multiplier
        self.maxMemory = maxMemory
        self.onOOMKilled = onOOMKilled
        self.cooldown = cooldown
        self.mode = mode
        self.dryRun = dryRun
        self.paused = paused
    }

    /// The pods selected, for people (the SELECTOR column, `status.selector`):
    /// `app=cache`, `<every pod>` for `{}`, `<annotated pods>` without a selector.
    /// Annotated pods are watched in every case.
    public var selectorSummary: String {
        guard let selector else { return "<annotated pods>" }
        return selector.isEmpty ? "<every pod>" : selector.queryString
    }

    public var json: JSON {
        var o = JSONObject()
        if let source { o["source"] = .string(source) }
        if let selector { o["selector"] = selector.json }
        o["thresholdPercent"] = .int(thresholdPercent)
        o["multiplier"] = .double(multiplier.value)
        o["maxMemory"] = .string(maxMemory.text)
        o["onOOMKilled"] = .bool(onOOMKilled)
        o["cooldown"] = .string(cooldown.text)
        o["mode"] = .string(mode.rawValue)
        if dryRun { o["dryRun"] = .bool(true) }
        if paused { o["paused"] = .bool(true) }
        return .object(o)
    }

    static let known = ["source", "selector", "thresholdPercent", "multiplier", "maxMemory", "onOOMKilled", "cooldown", "mode", "dryRun", "paused"]

    init?(_ value: JSON, at path: String, _ r: inout FieldReader) {
        let before = r.count
        guard let o = r.object(value, at: path) else { return nil }
        r.rejectUnknown(o, known: Self.known, at: path)
        let source = r.string(o, "source", at: path)
        if let source, !KubernetesNames.isDNS1123Label(source) {
            r.report(FieldReader.child(path, "source"), .string(source), "\(quoted(source)) is not a valid source name: \(KubernetesNames.dns1123LabelRule)")
        }
        var selector: LabelSelectorSpec?
        if let s = o["selector"] { selector = LabelSelectorSpec(s, at: FieldReader.child(path, "selector"), &r) }
        let threshold = r.int(o, "thresholdPercent", at: path, in: Self.thresholdRange) ?? Self.defaultThresholdPercent
        let multiplier = Self.multiplier(o, at: path, &r) ?? Self.defaultMultiplier
        let maxMemory = Self.memory(
            o, "maxMemory", at: path, required: "the most memory a step may give a container, a quantity such as \"2Gi\"", &r)
        let onOOMKilled = r.bool(o, "onOOMKilled", at: path) ?? true
        let cooldown = r.duration(o, "cooldown", at: path) ?? Self.defaultCooldown
        let mode = r.enumeration(o, "mode", at: path, as: Mode.self) ?? Self.defaultMode
        let dryRun = r.bool(o, "dryRun", at: path) ?? false
        let paused = r.bool(o, "paused", at: path) ?? false
        guard r.count == before, let maxMemory else { return nil }
        self.init(
            source: source, selector: selector, thresholdPercent: threshold, multiplier: multiplier, maxMemory: maxMemory, onOOMKilled: onOOMKilled,
            cooldown: cooldown, mode: mode, dryRun: dryRun, paused: paused)
    }

    /// `multiplier`: a number (not a string) greater than 1 and at most 10.
    static func multiplier(_ o: JSONObject, at parent: String, _ r: inout FieldReader) -> Multiplier? {
        let path = FieldReader.child(parent, "multiplier")
        guard let v = o["multiplier"] else { return nil }
        guard let d = v.doubleValue else {
            r.wrongType(path, v, expected: "a number greater than 1, such as 1.5")
            return nil
        }
        guard d > 1 else {
            r.report(path, v, "\(rendered(v)) is too small: must be greater than 1 (each step multiplies the memory limit by it; 1.5 adds half)")
            return nil
        }
        guard d <= Multiplier.maximum else {
            r.report(path, v, "\(rendered(v)) is too large: must be at most 10")
            return nil
        }
        guard let m = Multiplier(d) else {
            r.report(path, v, "\(rendered(v)) has more decimal digits than a multiplier needs: write e.g. 1.5 or 1.25")
            return nil
        }
        return m
    }

    /// A memory quantity string greater than zero.
    static func memory(_ o: JSONObject, _ key: String, at parent: String, required hint: String, _ r: inout FieldReader) -> Memory? {
        let path = FieldReader.child(parent, key)
        guard let v = o[key] else {
            r.required(path, hint)
            return nil
        }
        guard case .string(let s) = v else {
            r.wrongType(path, v, expected: "a quantity string such as \"2Gi\" (a number of bytes needs quotes and is better written with a suffix)")
            return nil
        }
        do {
            return try Memory(parsing: s)
        } catch {
            r.report(path, v, error.description)
            return nil
        }
    }
}
