/// What the server-side printers make of a list of objects: the column
/// definitions and one row per object, ready to be placed in a
/// `meta.k8s.io/v1` Table.
public struct PrintedTable: Sendable, Equatable {
    /// The column definitions, wide (`priority: 1`) columns included.
    public var columnDefinitions: [TableColumn]
    /// One row per object, in the order given.
    public var rows: [TableRow]

    public init(columnDefinitions: [TableColumn], rows: [TableRow]) {
        self.columnDefinitions = columnDefinitions
        self.rows = rows
    }

    /// `columnDefinitions` in wire form.
    public var columnDefinitionsJSON: JSON { .array(columnDefinitions.map(\.json)) }

    /// `rows` in wire form (without each row's `object`).
    public var rowsJSON: JSON { .array(rows.map(\.json)) }
}
