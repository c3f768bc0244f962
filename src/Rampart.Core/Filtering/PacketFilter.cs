namespace Rampart.Core.Filtering;

/// <summary>
/// One compiled, one-way filter: what the data path matches packets against. Mirrored policy filters
/// become two of these; <c>me</c>, DNS names and address lists are already resolved to prefixes.
/// <see cref="RuleIndex"/> and <see cref="FilterIndex"/> point back into the assigned policy, so the agent knows
/// which filter action, authentication methods and tunnel endpoint apply. <see cref="StandInWeight"/> is set on the
/// filters that stand in for a DNS name that did not resolve (see <see cref="FilterCompiler"/>).
/// </summary>
public sealed record PacketFilter(
    AddressPrefix Source,
    AddressPrefix Destination,
    byte? Protocol,
    ushort? SourcePort,
    ushort? DestinationPort,
    FilterVerdict Verdict,
    int RuleIndex,
    int FilterIndex,
    bool IsMirrorImage = false,
    int? StandInWeight = null)
{
    /// <summary>
    /// How specific the filter is; the most specific matching filter wins, whatever the rule order.
    /// Address specificity dominates (source plus destination prefix bits, shifted left by 3), then a named
    /// protocol (4), then a source port (2), then a destination port (1). Equal weights are broken by verdict
    /// (Block, then Negotiate, then Permit), then by rule order, then by filter order.
    /// </summary>
    public int Weight => StandInWeight ?? (((Source.Length + Destination.Length) << 3)
        | (Protocol.HasValue ? 4 : 0)
        | (SourcePort.HasValue ? 2 : 0)
        | (DestinationPort.HasValue ? 1 : 0));

    public bool IsIPv6 => Source.IsIPv6;

    public bool Matches(in FlowKey flow) =>
        flow.IsIPv6 == IsIPv6
        && Source.Contains(flow.Source)
        && Destination.Contains(flow.Destination)
        && (Protocol is null || Protocol == flow.Protocol)
        && (SourcePort is null || SourcePort == flow.SourcePort)
        && (DestinationPort is null || DestinationPort == flow.DestinationPort);

    /// <summary>The mirror image: the same traffic in the other direction.</summary>
    public PacketFilter Mirror() => this with
    {
        Source = Destination,
        Destination = Source,
        SourcePort = DestinationPort,
        DestinationPort = SourcePort,
        IsMirrorImage = !IsMirrorImage,
    };

    public override string ToString() =>
        $"{Source} -> {Destination} proto {(Protocol?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "any")} " +
        $"ports {SourcePort?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "any"}/{DestinationPort?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "any"}: {Verdict}";
}
