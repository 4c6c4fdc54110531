/// apiextensions-apiserver's `tableconvertor` for custom resources: `Name`,
/// then one column per `additionalPrinterColumns` entry (or the default
/// `Age` column when the CRD version declares none), with cells taken from
/// each column's JSONPath.
struct CustomResourceTable: Sendable {
    let columns: [TableColumn]
    let paths: [JSONPath]

    /// The column the apiextensions handler serves when a CRD version has no
    /// `additionalPrinterColumns`.
    static let defaultColumns: JSON = .array([
        .obj([
            "name": "Age", "type": "date", "description": .string(PrinterDescriptions.creationTimestamp),
            "jsonPath": ".metadata.creationTimestamp",
        ])
    ])

    init(printerColumns: JSON) {
        var defs = printerColumns.arrayValue ?? []
        if defs.isEmpty { defs = Self.defaultColumns.arrayValue ?? [] }
        var columns = [TablePrinter.nameColumn]
        var paths: [JSONPath] = []
        for def in defs {
            let jsonPath = def.pString("jsonPath")
            // An unparsable path ends the column list, as the convertor built
            // so far is what the apiserver keeps (validation prevents this).
            guard let path = try? JSONPath("{\(jsonPath)}") else { break }
            var description = def.pString("description")
            if description.isEmpty { description = "Custom resource definition column (in JSONPath format): \(jsonPath)" }
            columns.append(TableColumn(
                name: def.pString("name"), type: def.pString("type"), format: def.pString("format"),
                description: description, priority: Int(def.pInt("priority"))))
            paths.append(path)
        }
        self.columns = columns
        self.paths = paths
    }

    func row(_ obj: JSON, now: Double) -> TableRow {
        var cells: [JSON] = [TablePrinter.name(obj)]
        for (i, path) in paths.enumerated() {
            guard let results = try? path.findResults(in: obj), let value = results.first else {
                cells.append(.null)
                continue
            }
            let type = columns[i + 1].type
            cells.append(type == "string" ? .string(GoText.printResult(value)) : Self.cell(type, value, now: now))
        }
        return TableRow(cells: cells)
    }

    /// `cellForJSONValue`: a value of the wrong JSON type gives an empty cell.
    static func cell(_ type: String, _ value: JSON, now: Double) -> JSON {
        switch (type, value) {
        case ("integer", .int): return value
        case ("integer", .double(let d)):
            // Go's int64(float64) truncates.
            return d.isFinite && abs(d) < 9.2e18 ? .int(Int64(d.rounded(.towardZero))) : .null
        case ("number", .int(let i)): return .double(Double(i))
        case ("number", .double): return value
        case ("boolean", .bool): return value
        case ("date", .string(let s)):
            if s.isEmpty || s == "null" { return .string("<unknown>") }
            guard let t = Timestamp.parse(s) else { return .string("<invalid>") }
            return .string(t == HumanDuration.zeroTime ? "<unknown>" : HumanDuration.format(seconds: now - t))
        default: return .null
        }
    }
}
