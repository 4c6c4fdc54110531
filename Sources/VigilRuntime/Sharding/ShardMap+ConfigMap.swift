extension ShardMap {
    /// The name of the ConfigMap that holds the shard map.
    public static let configMapName = "vigil-shardmap"

    /// The keys of the ConfigMap's `data`.
    public enum Field {
        /// `data.epoch`: the epoch, a base-10 integer.
        public static let epoch = "epoch"
        /// `data.members`: comma-separated member ids, sorted; `""` for none.
        public static let members = "members"
        /// `data.committedEpoch`: the committed epoch, a base-10 integer.
        public static let committedEpoch = "committedEpoch"
    }

    /// The ConfigMap `data` for this map, e.g.
    /// `["epoch": "7", "members": "vigil-0,vigil-1", "committedEpoch": "6"]`.
    public var configMapData: [String: String] {
        [
            Field.epoch: String(epoch),
            Field.members: members.map(\.rawValue).joined(separator: ","),
            Field.committedEpoch: String(committedEpoch),
        ]
    }

    /// Reads a map from ConfigMap `data`. Unknown keys are ignored (room for
    /// later fields); whitespace around member ids is tolerated; members may
    /// be in any order. Anything else malformed is an error naming the field.
    public init(configMapData data: [String: String]?) throws(ShardMapError) {
        guard let data else { throw .missingData }
        let epoch = try Self.epochField(Field.epoch, in: data)
        let committed = try Self.epochField(Field.committedEpoch, in: data)
        guard let rawMembers = data[Field.members] else { throw .missingField(Field.members) }
        if committed > epoch { throw .committedEpochAheadOfEpoch(committedEpoch: committed, epoch: epoch) }

        var members: [MemberID] = []
        var seen = Set<MemberID>()
        let trimmedAll = rawMembers.trimmingWhitespace()
        if !trimmedAll.isEmpty {
            for entry in trimmedAll.split(separator: ",", omittingEmptySubsequences: false) {
                let text = String(entry).trimmingWhitespace()
                if text.isEmpty { throw .emptyMemberEntry(members: rawMembers) }
                let id = try MemberID(validating: text)
                if !seen.insert(id).inserted { throw .duplicateMember(id) }
                members.append(id)
            }
        }
        self.init(epoch: epoch, members: members, committedEpoch: committed)
    }

    private static func epochField(_ field: String, in data: [String: String]) throws(ShardMapError) -> Int {
        guard let text = data[field] else { throw .missingField(field) }
        let digits = text.utf8
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int(text) else {
            throw .invalidEpoch(field: field, value: text)
        }
        return value
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
