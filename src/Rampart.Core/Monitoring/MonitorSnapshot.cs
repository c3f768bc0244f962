namespace Rampart.Core.Monitoring;

/// <summary>
/// What the IP Security Monitor shows at one moment (<c>monitor.snapshot</c>): the quick mode SAs and negotiation
/// states the data path holds, the main mode SAs IKE holds, and the statistics. Never holds a key.
/// </summary>
/// <param name="Time">When the snapshot was taken.</param>
/// <param name="AssignedPolicy">The policy the agent enforces; null when none is assigned.</param>
/// <param name="Associations">One row per SA binding: secured, negotiating, soft or blocked.</param>
/// <param name="MainModes">The IKE (main mode) SAs.</param>
/// <param name="Statistics">The counters of the monitor's statistics pane.</param>
public sealed record MonitorSnapshot(
    DateTimeOffset Time,
    string? AssignedPolicy,
    IReadOnlyList<MonitoredAssociation> Associations,
    IReadOnlyList<MainModeAssociation> MainModes,
    MonitorStatistics Statistics);

/// <summary>
/// One row of the monitor's SA list. Spellings follow the walkthrough: a soft association's policy is <c>&lt;none&gt;</c>.
/// SPIs are unsigned. Ports and protocol read <c>any</c> when the filter has none.
/// </summary>
/// <param name="Policy">The negotiation policy: the assigned policy's name, <see cref="NoPolicy"/> or <see cref="SelectorPolicy"/>.</param>
/// <param name="FilterList">The rule's filter list; null for a selector SA.</param>
/// <param name="FilterAction">The rule's filter action; null for a selector SA.</param>
/// <param name="Filter">The filter as the policy spells it (or the manual SA's selector).</param>
/// <param name="Source">This host's address (or prefix) for the traffic.</param>
/// <param name="Destination">The peer's address (or prefix).</param>
/// <param name="Protocol">any, icmp, tcp, udp or a number.</param>
/// <param name="SourcePort">This host's port, or any.</param>
/// <param name="DestinationPort">The peer's port, or any.</param>
/// <param name="Status">secured, negotiating, soft or blocked.</param>
/// <param name="Security">e.g. <c>ESP AES-GCM-128</c>, <c>AH SHA-256</c>; <c>none</c> while nothing is secured.</param>
/// <param name="Mode">transport or tunnel; null while nothing is secured.</param>
/// <param name="TunnelEndpoint">The peer's tunnel endpoint in tunnel mode.</param>
/// <param name="InboundSpi">The newest inbound SA's SPI.</param>
/// <param name="OutboundSpi">The outbound SA's SPI.</param>
/// <param name="BytesSent">Bytes protected by the outbound SA.</param>
/// <param name="BytesReceived">Bytes verified by the inbound SAs.</param>
/// <param name="AgeSeconds">Seconds since the SA was installed (or the soft SA, negotiation or block began).</param>
/// <param name="LifetimeLeftSeconds">Seconds until the SA's hard lifetime (or the block) ends; null when unlimited.</param>
public sealed record MonitoredAssociation(
    string Policy,
    string? FilterList,
    string? FilterAction,
    string Filter,
    string Source,
    string Destination,
    string Protocol,
    string SourcePort,
    string DestinationPort,
    string Status,
    string Security,
    string? Mode,
    string? TunnelEndpoint,
    uint? InboundSpi,
    uint? OutboundSpi,
    long BytesSent,
    long BytesReceived,
    long AgeSeconds,
    long? LifetimeLeftSeconds)
{
    /// <summary>The walkthrough's spelling for a soft association's negotiation policy.</summary>
    public const string NoPolicy = "<none>";

    /// <summary>The policy of an SA tied to no policy filter: a manual SA, or one IKE installed as responder for a peer's proposal.</summary>
    public const string SelectorPolicy = "(selector)";
}

/// <summary>One IKE (main mode) SA as IKE reports it. Never holds key material.</summary>
/// <param name="Local">This host's IKE address.</param>
/// <param name="Peer">The peer's IKE address.</param>
/// <param name="PeerIdentity">The authenticated peer identity, e.g. <c>psk: 192.0.2.2</c>.</param>
/// <param name="Authentication">psk, certificate or kerberos.</param>
/// <param name="Security">Cipher, hash and DH group, e.g. <c>AES-CBC-256/SHA-256/DH 14</c>.</param>
/// <param name="QuickModes">Quick modes done under this main mode.</param>
/// <param name="AgeSeconds">Seconds since it was established.</param>
/// <param name="LifetimeLeftSeconds">Seconds until it expires.</param>
public sealed record MainModeAssociation(
    string Local,
    string Peer,
    string PeerIdentity,
    string Authentication,
    string Security,
    int QuickModes,
    long AgeSeconds,
    long LifetimeLeftSeconds);
