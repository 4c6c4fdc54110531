/// One column definition of a `meta.k8s.io/v1` Table, as the apiserver sends
/// it in `columnDefinitions`. kubectl upper-cases `name` for the header and
/// shows `priority` > 0 columns only with `-o wide`.
public struct TableColumn: Sendable, Equatable {
    /// The header text, e.g. `Name`, `Nominated Node`.
    public var name: String
    /// The OpenAPI type: `string`, `integer`, `number`, `boolean` or `date`.
    public var type: String
    /// The OpenAPI format; `name` marks the column holding the object name.
    public var format: String
    /// A human-readable description of the column.
    public var description: String
    /// 0 for the standard view, higher for `-o wide` only.
    public var priority: Int

    public init(name: String, type: String, format: String = "", description: String, priority: Int = 0) {
        self.name = name
        self.type = type
        self.format = format
        self.description = description
        self.priority = priority
    }

    /// The wire form: `{"name","type","format","description","priority"}`.
    public var json: JSON {
        .obj([
            "name": .string(name), "type": .string(type), "format": .string(format),
            "description": .string(description), "priority": .int(Int64(priority)),
        ])
    }
}
