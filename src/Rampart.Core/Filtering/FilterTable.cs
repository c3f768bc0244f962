using System.Collections.Frozen;

namespace Rampart.Core.Filtering;

/// <summary>
/// The assigned policy's filters, compiled for fast matching: the most specific matching filter wins
/// (see <see cref="PacketFilter.Weight"/>), whatever the order of rules. Immutable: the agent builds a new
/// table when the policy changes and swaps it in atomically.
/// </summary>
/// <remarks>
/// Tuple-space search: filters are grouped by shape (family, the two prefix lengths, which of protocol and
/// ports are named). Every filter of a group has the same weight, so one hash lookup of the packet's key,
/// masked to the group's shape, finds the best filter of that group; groups are searched from the highest
/// weight down and the search stops at the first weight below a hit. The cost grows with the number of
/// distinct shapes (a handful in real policies), not with the number of filters.
/// </remarks>
public sealed class FilterTable
{
    private readonly Group[] _groups;
    public FilterTable(IEnumerable<PacketFilter> filters, ExemptTraffic? exemptions = null)
    {
        ArgumentNullException.ThrowIfNull(filters);
        Filters = [.. filters];
        Exemptions = exemptions ?? ExemptTraffic.Default;
        _groups = [.. Filters
            .Select((filter, index) => (filter, index))
            .GroupBy(f => Shape.Of(f.filter))
            .Select(g => new Group(g.Key, g.Select(f => f.index), Filters))
            .OrderByDescending(g => g.Weight)];
    }

    public static FilterTable Empty { get; } = new([]);

    public IReadOnlyList<PacketFilter> Filters { get; }

    /// <summary>What is never secured on this host, checked before any filter.</summary>
    public ExemptTraffic Exemptions { get; }

    /// <summary>The number of distinct filter shapes, i.e. hash lookups per packet in the worst case.</summary>
    public int ShapeCount => _groups.Length;

    /// <summary>Classifies a packet crossing this host in <paramref name="direction"/>: exempt traffic first, then the most specific filter.</summary>
    public FilterDecision Classify(in FlowKey flow, TrafficDirection direction)
    {
        if (Exemptions.IsExempt(flow, direction))
        {
            return FilterDecision.Exempt;
        }

        var index = Match(flow);
        return index < 0 ? FilterDecision.NoMatch : new FilterDecision(FilterDecisionKind.Matched, index, Filters[index]);
    }

    /// <summary>The index of the winning filter in <see cref="Filters"/>, or -1.</summary>
    public int Match(in FlowKey flow)
    {
        var best = -1;
        var bestWeight = -1;
        foreach (var group in _groups)
        {
            if (group.Weight < bestWeight)
            {
                break;
            }

            if (group.IsIPv6 != flow.IsIPv6 || !group.TryLookup(flow, out var candidate))
            {
                continue;
            }

            if (best < 0 || Group.Precedes(Filters[candidate], candidate, Filters[best], best))
            {
                best = candidate;
                bestWeight = group.Weight;
            }
        }

        return best;
    }

    /// <summary>A group's key; the weight is part of it because stand-in filters weigh more than their prefixes say.</summary>
    private readonly record struct Shape(bool IsIPv6, byte SourceLength, byte DestinationLength, bool Protocol, bool SourcePort, bool DestinationPort, int Weight)
    {
        public static Shape Of(PacketFilter filter) => new(
            filter.IsIPv6, filter.Source.Length, filter.Destination.Length,
            filter.Protocol.HasValue, filter.SourcePort.HasValue, filter.DestinationPort.HasValue, filter.Weight);
    }

    private readonly record struct MaskedKey(UInt128 Source, UInt128 Destination, byte Protocol, ushort SourcePort, ushort DestinationPort);

    private sealed class Group
    {
        private readonly Shape _shape;
        private readonly UInt128 _sourceMask;
        private readonly UInt128 _destinationMask;
        private readonly FrozenDictionary<MaskedKey, int> _best;

        public Group(Shape shape, IEnumerable<int> members, IReadOnlyList<PacketFilter> filters)
        {
            _shape = shape;
            _sourceMask = AddressPrefix.MaskFor(shape.SourceLength, shape.IsIPv6);
            _destinationMask = AddressPrefix.MaskFor(shape.DestinationLength, shape.IsIPv6);
            var best = new Dictionary<MaskedKey, int>();
            foreach (var index in members)
            {
                var filter = filters[index];
                var key = new MaskedKey(filter.Source.Address, filter.Destination.Address, filter.Protocol ?? 0, filter.SourcePort ?? 0, filter.DestinationPort ?? 0);
                if (!best.TryGetValue(key, out var existing) || Precedes(filter, index, filters[existing], existing))
                {
                    best[key] = index;
                }
            }

            _best = best.ToFrozenDictionary();
            Weight = filters[members.First()].Weight;
        }

        public int Weight { get; }

        public bool IsIPv6 => _shape.IsIPv6;

        public bool TryLookup(in FlowKey flow, out int index) => _best.TryGetValue(
            new MaskedKey(
                flow.Source & _sourceMask,
                flow.Destination & _destinationMask,
                _shape.Protocol ? flow.Protocol : (byte)0,
                _shape.SourcePort ? flow.SourcePort : (ushort)0,
                _shape.DestinationPort ? flow.DestinationPort : (ushort)0),
            out index);

        /// <summary>Tie-break between filters of equal weight: Block before Negotiate before Permit, then rule order, then filter order.</summary>
        public static bool Precedes(PacketFilter candidate, int candidateIndex, PacketFilter incumbent, int incumbentIndex) =>
            (candidate.Weight, -(int)candidate.Verdict, -candidate.RuleIndex, -candidateIndex)
                .CompareTo((incumbent.Weight, -(int)incumbent.Verdict, -incumbent.RuleIndex, -incumbentIndex)) > 0;
    }
}

public enum FilterDecisionKind : byte
{
    /// <summary>No filter matches: the packet passes in the clear (as with no policy).</summary>
    NoMatch,
    /// <summary>Traffic IPsec never secures (IKE, Kerberos, broadcast, ...).</summary>
    Exempt,
    Matched,
}

public readonly record struct FilterDecision(FilterDecisionKind Kind, int FilterIndex, PacketFilter? Filter)
{
    public static FilterDecision NoMatch { get; } = new(FilterDecisionKind.NoMatch, -1, null);

    public static FilterDecision Exempt { get; } = new(FilterDecisionKind.Exempt, -1, null);
}
