namespace Rampart.Core.Filtering;

/// <summary>
/// Traffic that IPsec never secures (MISSION.md section 1, as Windows 2000 did): broadcast, multicast,
/// RSVP (protocol 46), Kerberos (UDP 88), IKE (UDP 500 and 4500) and LDAP (UDP 389). Kerberos and LDAP must stay
/// in the clear because authentication and policy retrieval depend on them; IKE because it builds the SAs.
/// </summary>
public static class ExemptTraffic
{
    public const byte Rsvp = 46;
    public const ushort Kerberos = 88;
    public const ushort Ike = 500;
    public const ushort IkeNatTraversal = 4500;
    public const ushort Ldap = 389;

    private static readonly UInt128 IPv6MulticastMask = (UInt128)0xFF << 120;
    private static readonly UInt128 IPv6Multicast = (UInt128)0xFF << 120;

    /// <param name="flow">The packet's flow.</param>
    /// <param name="directedBroadcasts">The broadcast addresses of the host's IPv4 subnets (IPv4, low 32 bits).</param>
    public static bool IsExempt(in FlowKey flow, IReadOnlySet<UInt128>? directedBroadcasts = null)
    {
        if (flow.Protocol == Rsvp)
        {
            return true;
        }

        if (flow.Protocol == FlowKey.Udp && (IsExemptPort(flow.SourcePort) || IsExemptPort(flow.DestinationPort)))
        {
            return true;
        }

        return IsBroadcastOrMulticast(flow.Destination, flow.IsIPv6, directedBroadcasts);
    }

    public static bool IsBroadcastOrMulticast(UInt128 destination, bool isIPv6, IReadOnlySet<UInt128>? directedBroadcasts = null)
    {
        if (isIPv6)
        {
            return (destination & IPv6MulticastMask) == IPv6Multicast;
        }

        var address = (uint)destination;
        return address == uint.MaxValue                         // limited broadcast
            || (address & 0xF000_0000u) == 0xE000_0000u         // 224.0.0.0/4 multicast
            || (directedBroadcasts?.Contains(destination) ?? false);
    }

    private static bool IsExemptPort(ushort port) => port is Kerberos or Ike or IkeNatTraversal or Ldap;
}
