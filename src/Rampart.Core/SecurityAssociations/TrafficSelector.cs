using Rampart.Core.Filtering;

namespace Rampart.Core.SecurityAssociations;

/// <summary>
/// The traffic a selector SA carries, seen from this host: a manual SA (<c>rampart sa add</c>) or an SA a responder
/// installed for a peer's proposal. Null protocol or port means any.
/// </summary>
public sealed record TrafficSelector(AddressPrefix Local, AddressPrefix Remote, byte? Protocol = null, ushort? LocalPort = null, ushort? RemotePort = null)
{
    /// <summary>True for a packet this host sends that the selector covers.</summary>
    public bool MatchesOutbound(in FlowKey flow) =>
        Matches(flow.IsIPv6, flow.Source, flow.Destination, flow.Protocol, flow.SourcePort, flow.DestinationPort);

    /// <summary>True for a packet this host receives that the selector covers.</summary>
    public bool MatchesInbound(in FlowKey flow) =>
        Matches(flow.IsIPv6, flow.Destination, flow.Source, flow.Protocol, flow.DestinationPort, flow.SourcePort);

    private bool Matches(bool isIPv6, UInt128 local, UInt128 remote, byte protocol, ushort localPort, ushort remotePort) =>
        isIPv6 == Local.IsIPv6
        && Local.Contains(local)
        && Remote.Contains(remote)
        && (Protocol is null || Protocol == protocol)
        && (LocalPort is null || LocalPort == localPort)
        && (RemotePort is null || RemotePort == remotePort);

    public override string ToString() =>
        $"{Local}:{LocalPort?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "any"} <-> " +
        $"{Remote}:{RemotePort?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "any"} proto {Protocol?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "any"}";
}
