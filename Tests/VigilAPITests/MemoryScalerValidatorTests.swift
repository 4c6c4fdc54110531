import Foundation
import Testing
import VigilAPI
import VigilJSON

/// The example (config/samples/memoryscaler-cache.yaml) decodes
/// exactly as written; every rule reports its field and a message that says
/// what is wrong; the CRD (deploy/crds/vigil.dev_memoryscalers.yaml) agrees
/// with the model.
@Suite struct MemoryScalerValidatorTests {
    static let samplePath = "config/samples/memoryscaler-cache.yaml"
    static let crdPath = "deploy/crds/vigil.dev_memoryscalers.yaml"
    static let mi: Int64 = 1 << 20
    static let gi: Int64 = 1 << 30

    func problems(_ yaml: String, allowUnknownFields: Bool = false) throws -> [String] {
        MemoryScalerValidator(options: .init(allowUnknownFields: allowUnknownFields)).problems(in: try TestDocuments.json(yaml)).map(\.description)
    }

    func spec(_ lines: String) -> String {
        "apiVersion: vigil.dev/v1alpha1\nkind: MemoryScaler\nmetadata: {name: cache, namespace: shop}\nspec:\n"
            + lines.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
    }

    func only(_ lines: String) throws -> String {
        let found = try problems(spec(lines))
        #expect(found.count == 1, "\(found)")
        return found.first ?? ""
    }

    func decode(_ lines: String) throws -> MemoryScaler {
        try MemoryScaler(json: try TestDocuments.json(spec(lines)))
    }

    // MARK: the example and the defaults

    @Test func theExampleDecodesAsWritten() throws {
        let m = try MemoryScaler(json: try TestDocuments.json(try TestDocuments.read(Self.samplePath)))
        #expect(m.name == "cache" && m.namespace == "shop")
        #expect(m.spec.selector == LabelSelectorSpec(matchLabels: ["app": "cache"]))
        #expect(m.spec.thresholdPercent == 75)
        #expect(m.spec.multiplier.value == 1.5)
        #expect(m.spec.multiplier.text == "1.5")
        #expect(m.spec.maxMemory.bytes == 2 * Self.gi)
        #expect(m.spec.maxMemory.text == "2Gi")
        #expect(m.spec.onOOMKilled == true)
        #expect(m.spec.cooldown == .minutes(5))
        #expect(m.spec.mode == .auto)
        #expect(m.spec.dryRun == false && m.spec.paused == false)
        #expect(m.spec.selectorSummary == "app=cache")
        #expect(try problems(try TestDocuments.read(Self.samplePath)).isEmpty)
    }

    @Test func onlyMaxMemoryIsRequired() throws {
        let s = try decode("maxMemory: 1Gi").spec
        #expect(s.selector == nil)
        #expect(s.thresholdPercent == 80 && s.thresholdPercent == MemoryScalerSpec.defaultThresholdPercent)
        #expect(s.multiplier == MemoryScalerSpec.defaultMultiplier)
        #expect(s.multiplier.numerator == 3 && s.multiplier.denominator == 2)
        #expect(s.maxMemory.bytes == Self.gi)
        #expect(s.onOOMKilled == true)
        #expect(s.cooldown == .minutes(5) && s.cooldown.text == "5m")
        #expect(s.mode == .auto)
        #expect(s.dryRun == false && s.paused == false)
        #expect(s.selectorSummary == "<annotated pods>")
        #expect(try decode("maxMemory: 1Gi\nselector: {}").spec.selectorSummary == "<every pod>")
    }

    @Test func everyFieldCanBeSet() throws {
        let s = try decode(
            """
            selector: {matchExpressions: [{key: tier, operator: In, values: [cache, db]}]}
            thresholdPercent: 100
            multiplier: 2
            maxMemory: 1500M
            onOOMKilled: false
            cooldown: 0s
            mode: InPlace
            dryRun: true
            paused: true
            """
        ).spec
        #expect(s.selector?.matchExpressions == [LabelSelectorSpec.Requirement(key: "tier", operator: .in, values: ["cache", "db"])])
        #expect(s.thresholdPercent == 100)
        #expect(s.multiplier.text == "2" && s.multiplier.value == 2)
        #expect(s.maxMemory.bytes == 1_500_000_000)
        #expect(s.onOOMKilled == false)
        #expect(s.cooldown.milliseconds == 0)
        #expect(s.mode == .inPlace)
        #expect(s.dryRun && s.paused)
        #expect(try decode("maxMemory: 1Gi\nmode: Owner").spec.mode == .owner)
        #expect(try decode("maxMemory: 1Gi\nmultiplier: 10").spec.multiplier.value == 10)
        #expect(try decode("maxMemory: 1Gi\nthresholdPercent: 1").spec.thresholdPercent == 1)
    }

    // MARK: the rules, each naming its field

    @Test func thresholdIsAPercentage() throws {
        #expect(try only("maxMemory: 1Gi\nthresholdPercent: 0") == "spec.thresholdPercent: 0 is out of range: must be between 1 and 100")
        #expect(try only("maxMemory: 1Gi\nthresholdPercent: 101") == "spec.thresholdPercent: 101 is out of range: must be between 1 and 100")
        #expect(try only("maxMemory: 1Gi\nthresholdPercent: 75.5").hasPrefix("spec.thresholdPercent: must be an integer"))
        #expect(try only("maxMemory: 1Gi\nthresholdPercent: \"75%\"").hasPrefix("spec.thresholdPercent: must be an integer"))
    }

    @Test func multiplierIsAboveOneAndAtMostTen() throws {
        let one = try only("maxMemory: 1Gi\nmultiplier: 1")
        #expect(one.hasPrefix("spec.multiplier: 1 is too small: must be greater than 1"), "\(one)")
        let below = try only("maxMemory: 1Gi\nmultiplier: 0.9")
        #expect(below.hasPrefix("spec.multiplier: 0.9 is too small: must be greater than 1"), "\(below)")
        #expect(try only("maxMemory: 1Gi\nmultiplier: 10.5") == "spec.multiplier: 10.5 is too large: must be at most 10")
        #expect(try only("maxMemory: 1Gi\nmultiplier: \"1.5\"").hasPrefix("spec.multiplier: must be a number greater than 1, such as 1.5, found string \"1.5\""))
        #expect(try only("maxMemory: 1Gi\nmultiplier: -2").contains("too small"))
    }

    @Test func maxMemoryIsARequiredPositiveMemoryQuantity() throws {
        #expect(try only("thresholdPercent: 75").hasPrefix("spec.maxMemory: required: the most memory a step may give a container"))
        let abc = try only("maxMemory: abc")
        #expect(abc.hasPrefix("spec.maxMemory: \"abc\" is not a quantity: write a memory size such as \"512Mi\" or \"2Gi\""), "\(abc)")
        let negative = try only("maxMemory: -1Gi")
        #expect(negative.hasPrefix("spec.maxMemory: \"-1Gi\" is negative: a memory size must be greater than zero"), "\(negative)")
        let milli = try only("maxMemory: 500m")
        #expect(milli.hasPrefix("spec.maxMemory: \"500m\" is 500 millibytes"), "\(milli)")
        #expect(milli.contains("write mebibytes as Mi, e.g. \"500Mi\""), "\(milli)")
        #expect(try only("maxMemory: \"0\"").hasPrefix("spec.maxMemory: \"0\" is zero"))
        #expect(try only("maxMemory: 2GB").hasPrefix("spec.maxMemory: \"2GB\" is not a quantity"))
        let number = try only("maxMemory: 1073741824")
        #expect(number.hasPrefix("spec.maxMemory: must be a quantity string such as \"2Gi\""), "\(number)")
        #expect(try decode("maxMemory: \"1073741824\"").spec.maxMemory.bytes == Self.gi)
    }

    @Test func modeIsOneOfThree() throws {
        let p = try only("maxMemory: 1Gi\nmode: Restart")
        #expect(p == "spec.mode: \"Restart\" is not supported: must be one of InPlace, Owner or Auto", "\(p)")
        #expect(try only("maxMemory: 1Gi\nmode: auto").hasPrefix("spec.mode: \"auto\" is not supported"), "modes are case-sensitive, as in the CRD")
    }

    @Test func cooldownIsAGoDuration() throws {
        let p = try only("maxMemory: 1Gi\ncooldown: 5 minutes")
        #expect(p.hasPrefix("spec.cooldown: \"5 minutes\" is not a valid duration"), "\(p)")
        #expect(try only("maxMemory: 1Gi\ncooldown: -5m").contains("negative durations are not allowed"))
        #expect(try only("maxMemory: 1Gi\ncooldown: 300").hasPrefix("spec.cooldown: must be a duration string"))
    }

    @Test func booleansAreBooleans() throws {
        #expect(try only("maxMemory: 1Gi\nonOOMKilled: \"yes\"").hasPrefix("spec.onOOMKilled: must be a boolean"))
        #expect(try only("maxMemory: 1Gi\ndryRun: 1").hasPrefix("spec.dryRun: must be a boolean"))
        #expect(try only("maxMemory: 1Gi\npaused: \"true\"").hasPrefix("spec.paused: must be a boolean"))
    }

    @Test func theSelectorIsALabelSelector() throws {
        #expect(try only("maxMemory: 1Gi\nselector: {matchLabels: {\"bad key!\": x}}").hasPrefix("spec.selector.matchLabels[bad key!]: \"bad key!\" is not a valid label key"))
        #expect(try only("maxMemory: 1Gi\nselector: {matchExpressions: [{key: app, operator: In}]}").hasPrefix("spec.selector.matchExpressions[0].values: must list at least one value"))
        #expect(try only("maxMemory: 1Gi\nselector: {app: cache}").hasPrefix("spec.selector.app: unknown field"), "matchLabels forgotten")
        #expect(try only("maxMemory: 1Gi\nselector: app=cache").hasPrefix("spec.selector: must be an object"))
    }

    @Test func unknownFieldsAreNamedUnlessAllowed() throws {
        let p = try only("maxMemory: 1Gi\nthresholdPercnt: 75")
        #expect(p.hasPrefix("spec.thresholdPercnt: unknown field: valid fields are source, selector, thresholdPercent"), "\(p)")
        #expect(try problems(spec("maxMemory: 1Gi\nthresholdPercnt: 75"), allowUnknownFields: true).isEmpty)
        #expect(try problems(spec("maxMemory: 1Gi") + "\nextra: 1").first?.hasPrefix("extra: unknown field") == true)
    }

    @Test func everyProblemIsReportedAtOnce() throws {
        let found = try problems(spec("thresholdPercent: 0\nmultiplier: 1\nmaxMemory: 500m\nmode: Fast\ncooldown: soon"))
        #expect(found.map { String($0.prefix { $0 != ":" }) } == [
            "spec.thresholdPercent", "spec.multiplier", "spec.maxMemory", "spec.cooldown", "spec.mode",
        ])
        #expect(throws: ResourceValidationError.self) { try MemoryScalerValidator().validate(try TestDocuments.json(spec("maxMemory: 0"))) }
        #expect(try problems("apiVersion: vigil.dev/v1alpha1\nkind: MemoryScaler\nmetadata: {name: c}").first?.hasPrefix("spec: required") == true)
    }

    // MARK: encoding and selection

    @Test func encodingGivesBackWhatWasRead() throws {
        let sample = try TestDocuments.json(try TestDocuments.read(Self.samplePath))
        let m = try MemoryScaler(json: sample)
        #expect(m.json == sample, "the sample sets every field that has no default")
        #expect(try MemoryScaler(json: m.json) == m)
        let all = try decode(
            "selector: {matchExpressions: [{key: tier, operator: Exists}]}\nthresholdPercent: 90\nmultiplier: 1.25\nmaxMemory: 1.5Gi\nonOOMKilled: false\ncooldown: 1h30m\nmode: Owner\ndryRun: true\npaused: true"
        )
        let again = try MemoryScaler(json: all.json)
        #expect(again == all)
        #expect(again.json == all.json)
        #expect(again.spec.maxMemory.text == "1.5Gi" && again.spec.cooldown.text == "1h30m" && again.spec.multiplier.text == "1.25")
        let built = MemoryScaler(name: "cache", namespace: "shop", spec: MemoryScalerSpec(maxMemory: .init(bytes: 2 * Self.gi)))
        #expect(try MemoryScaler(json: built.json) == built)
        #expect(built.json[path: ["spec", "maxMemory"]] == "2Gi")
    }

    @Test func podsAreSelectedByLabelsOrOptInAnnotation() throws {
        let m = try MemoryScaler(json: try TestDocuments.json(try TestDocuments.read(Self.samplePath)))
        #expect(m.selects(labels: ["app": "cache"], annotations: [:]))
        #expect(!m.selects(labels: ["app": "web"], annotations: [:]))
        #expect(m.selects(labels: ["app": "web"], annotations: ["vigil.dev/memory-scaler": "cache"]))
        #expect(!m.selects(labels: ["app": "web"], annotations: ["vigil.dev/memory-scaler": "other"]))
        let annotatedOnly = try decode("maxMemory: 1Gi")
        #expect(!annotatedOnly.selects(labels: ["app": "cache"], annotations: [:]), "without a selector only annotated pods")
        #expect(annotatedOnly.selects(labels: [:], annotations: [MemoryScaler.optInAnnotation: "cache"]))
        #expect(try decode("maxMemory: 1Gi\nselector: {}").selects(labels: ["any": "pod"], annotations: [:]))
    }

    // MARK: the CRD agrees with the model

    static func crd() throws -> JSON {
        let docs = try ManifestReader.documents(in: TestDocuments.read(crdPath), source: crdPath)
        guard docs.count == 1 else { throw TestFailure("\(crdPath): expected one document, found \(docs.count)") }
        return docs[0].json
    }

    static func root() throws -> JSON {
        guard let root = try crd()[path: ["spec", "versions"]]?[0]?[path: ["schema", "openAPIV3Schema"]] else { throw TestFailure("no schema") }
        return root
    }

    static func node(_ root: JSON, _ path: String) -> JSON? {
        RepositoryFilesTests.schema(root, path.split(separator: ".").map(String.init))
    }

    @Test func crdNamesColumnsAndStatus() throws {
        let crd = try Self.crd()
        #expect(crd[path: ["metadata", "name"]] == .string("\(MemoryScaler.plural).\(MemoryScaler.group)"))
        #expect(crd[path: ["metadata", "labels", "app.kubernetes.io/part-of"]] == "vigil")
        #expect(crd[path: ["spec", "group"]] == .string(MemoryScaler.group))
        #expect(crd[path: ["spec", "scope"]] == "Namespaced")
        #expect(crd[path: ["spec", "names", "kind"]] == .string(MemoryScaler.kind))
        #expect(crd[path: ["spec", "names", "plural"]] == .string(MemoryScaler.plural))
        #expect(crd[path: ["spec", "names", "singular"]] == .string(MemoryScaler.singular))
        #expect(crd[path: ["spec", "names", "shortNames"]] == [.string(MemoryScaler.shortName)])
        #expect(crd[path: ["spec", "names", "categories"]] == ["vigil"])
        let v = try #require(crd[path: ["spec", "versions"]]?[0])
        #expect(v["name"] == .string(MemoryScaler.version))
        #expect(v["served"] == true && v["storage"] == true)
        #expect(v[path: ["subresources", "status"]] == .object(JSONObject()))
        let columns = v["additionalPrinterColumns"]?.arrayValue ?? []
        #expect(columns.compactMap { $0["name"]?.stringValue } == ["Selector", "Threshold", "Multiplier", "Resized", "Last", "Age"])
        #expect(columns.compactMap { $0["jsonPath"]?.stringValue } == [
            ".status.selector", ".spec.thresholdPercent", ".spec.multiplier", ".status.resizes", ".status.lastResizeAt", ".metadata.creationTimestamp",
        ])
        #expect(columns.compactMap { $0["type"]?.stringValue } == ["string", "integer", "number", "integer", "date", "date"])
        let root = try Self.root()
        #expect(Self.node(root, "status")?["x-kubernetes-preserve-unknown-fields"] == true)
        #expect(root["required"] == ["spec"])
        #expect(Self.node(root, "spec")?["required"] == ["maxMemory"])
    }

    @Test func crdFieldsDefaultsAndLimitsAreTheModels() throws {
        let root = try Self.root()
        // Fields: the model's JSON of a resource with every field set names exactly the schema's spec fields
        // (the decoder rejects any other, so the API server prunes nothing it needs and keeps nothing it rejects).
        let every = try decode(
            "source: main\nselector: {matchLabels: {a: b}, matchExpressions: [{key: c, operator: In, values: [d]}]}\nmaxMemory: 1Gi\ndryRun: true\npaused: true")
        let specSchema = try #require(Self.node(root, "spec"))
        let model = RepositoryFilesTests.fieldPaths(try #require(every.json["spec"]), ["spec"], schema: specSchema)
        #expect(model == RepositoryFilesTests.schemaPaths(specSchema, ["spec"]))
        // Defaults.
        func def(_ path: String) -> JSON? { Self.node(root, path)?["default"] }
        #expect(def("spec.thresholdPercent") == .int(MemoryScalerSpec.defaultThresholdPercent))
        #expect(def("spec.multiplier") == .double(MemoryScalerSpec.defaultMultiplier.value))
        #expect(def("spec.onOOMKilled") == true)
        #expect(def("spec.cooldown") == .string(MemoryScalerSpec.defaultCooldown.text))
        #expect(def("spec.mode") == .string(MemoryScalerSpec.defaultMode.rawValue))
        #expect(def("spec.dryRun") == false)
        #expect(def("spec.paused") == false)
        #expect(def("spec.maxMemory") == nil && def("spec.selector") == nil)
        // Ranges and the enum.
        #expect(Self.node(root, "spec.thresholdPercent")?["minimum"] == .int(MemoryScalerSpec.thresholdRange.lowerBound))
        #expect(Self.node(root, "spec.thresholdPercent")?["maximum"] == .int(MemoryScalerSpec.thresholdRange.upperBound))
        #expect(Self.node(root, "spec.multiplier")?["minimum"] == 1)
        #expect(Self.node(root, "spec.multiplier")?["exclusiveMinimum"] == true)
        #expect(Self.node(root, "spec.multiplier")?["maximum"] == .double(MemoryScalerSpec.Multiplier.maximum))
        #expect(Self.node(root, "spec.mode")?["enum"]?.arrayValue?.compactMap(\.stringValue) == MemoryScalerSpec.Mode.allCases.map(\.rawValue))
        #expect(Self.node(root, "spec.selector.matchExpressions.[].operator")?["enum"]?.arrayValue?.compactMap(\.stringValue) == LabelSelectorSpec.Operator.allCases.map(\.rawValue))
        // The CEL rule.
        let rules = Self.node(root, "spec")?["x-kubernetes-validations"]?.arrayValue ?? []
        #expect(rules.compactMap { $0["rule"]?.stringValue } == ["!has(self.multiplier) || self.multiplier > 1.0"])
        #expect(rules.compactMap { $0["message"]?.stringValue } == ["multiplier must be greater than 1"])
    }

    @Test func crdPatternsAgreeWithTheParsers() throws {
        let root = try Self.root()
        let memory = try Regex(try #require(Self.node(root, "spec.maxMemory")?["pattern"]?.stringValue))
        let texts = [
            "2Gi", "1.5Gi", ".5Mi", "5.", "01Gi", "1G", "1k", "1e3", "1E9", "1073741824", "1.1Ki", "7Ei",
            "0", "0Gi", "0.0", ".0", "0e5", "500m", "5u", "3n", "-1Gi", "+1Gi", " 1Gi", "1Gi ", "2gi", "2GB", "1K", "abc", "", ".", "1e-3", "1e+3", "1..5", "Gi",
        ]
        for text in texts {
            let parses = (try? MemoryStep.bytes(parsing: text)) != nil
            let matches = (try? memory.wholeMatch(in: text)) != nil
            #expect(parses == matches, "\(quoted(text)): parser says \(parses), CRD pattern says \(matches)")
        }
        let cooldown = try Regex(try #require(Self.node(root, "spec.cooldown")?["pattern"]?.stringValue))
        for text in ["5m", "0", "0s", "1h30m", "90s", "-5m", "5 minutes", "300", ""] {
            let parses = (try? GoDuration(parsing: text)) != nil
            let matches = (try? cooldown.wholeMatch(in: text)) != nil
            #expect(parses == matches, "\(quoted(text)): parser says \(parses), CRD pattern says \(matches)")
        }
    }

    @Test func theKustomizationInstallsTheCRDAndTheControllerMayServeIt() throws {
        // The controller acts on MemoryScalers: `kubectl apply -k deploy` installs the kind, and Vigil's role covers it.
        #expect(try TestDocuments.read("deploy/kustomization.yaml").contains("crds/vigil.dev_memoryscalers.yaml"))
        #expect(!(try TestDocuments.read("deploy/crds/vigil.dev_memoryscalers.yaml").contains("NOT YET ACTED ON")))
        let role = try TestDocuments.read("deploy/rbac/clusterrole.yaml")
        for needed in ["resources: [\"memoryscalers\"]", "resources: [\"memoryscalers/status\"]", "resources: [\"replicasets\"]", "resources: [\"pods/resize\"]"] {
            #expect(role.contains(needed), "clusterrole.yaml lacks \(needed)")
        }
    }
}

