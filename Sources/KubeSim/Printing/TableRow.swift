/// One row of a `meta.k8s.io/v1` Table: its cells and, for pods that have
/// finished, the row conditions the apiserver attaches. The caller adds the
/// row's `object` (PartialObjectMetadata or the full object).
public struct TableRow: Sendable, Equatable {
    /// One cell per column definition, in order (strings, integers, numbers,
    /// booleans, or `null` for an empty cell).
    public var cells: [JSON]
    /// `metav1.TableRowCondition` objects; usually empty.
    public var conditions: [JSON]

    public init(cells: [JSON], conditions: [JSON] = []) {
        self.cells = cells
        self.conditions = conditions
    }

    /// The wire form without `object`: `{"cells":[…]}` plus `conditions`
    /// when there are any.
    public var json: JSON {
        var o = JSONObject()
        o["cells"] = .array(cells)
        if !conditions.isEmpty { o["conditions"] = .array(conditions) }
        return .object(o)
    }
}
