using System.Net;

namespace Rampart.Credentials.Kerberos;

/// <summary>
/// This host's membership of a Kerberos realm (<c>rampart realm join</c>): the realm, its KDC, the host's own principal
/// (whose keys are in the copied keytab) and the explicit names of peers (<c>--peer ADDR=NAME</c>) that win over the
/// resolver's.
/// </summary>
public sealed record RealmMembership(string Realm, KdcEndpoint Kdc, HostPrincipal Principal, IReadOnlyDictionary<IPAddress, string> Peers, DateTimeOffset JoinedAt)
{
    /// <summary>The same membership with <paramref name="address"/> named <paramref name="host"/> (replacing an earlier name).</summary>
    public RealmMembership WithPeer(IPAddress address, string host)
    {
        var peers = new Dictionary<IPAddress, string>(Peers) { [Normalize(address)] = host };
        return this with { Peers = peers };
    }

    /// <summary>The same membership without an explicit name for <paramref name="address"/>.</summary>
    public RealmMembership WithoutPeer(IPAddress address)
    {
        var peers = new Dictionary<IPAddress, string>(Peers);
        peers.Remove(Normalize(address));
        return this with { Peers = peers };
    }

    /// <summary>IPv4-mapped IPv6 addresses are their IPv4 address, as the IKE socket may report either.</summary>
    public static IPAddress Normalize(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }
}
