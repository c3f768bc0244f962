using System.Net;
using System.Net.Sockets;

namespace Rampart.Credentials.Kerberos;

/// <summary>
/// The principal a peer must prove: <c>host/NAME@REALM</c>, NAME being the explicit <c>--peer ADDR=NAME</c> mapping
/// or else the resolver's name for the address (getnameinfo: /etc/hosts or DNS, as Windows 2000 used DNS).
/// A lookup may block on DNS, so callers run it off the IKE loop.
/// </summary>
public sealed class PeerPrincipalResolver
{
    private readonly RealmMembership _membership;
    private readonly Func<IPAddress, CancellationToken, Task<string?>> _reverseLookup;

    /// <param name="membership">The realm and the explicit names.</param>
    /// <param name="reverseLookup">The address's host name, or null when it has none; getnameinfo unless given.</param>
    public PeerPrincipalResolver(RealmMembership membership, Func<IPAddress, CancellationToken, Task<string?>>? reverseLookup = null)
    {
        ArgumentNullException.ThrowIfNull(membership);
        _membership = membership;
        _reverseLookup = reverseLookup ?? LookUpNameAsync;
    }

    /// <summary>The peer's principal, or the reason there is none (no name, a name that is not a host name).</summary>
    public async Task<PeerPrincipalResult> ResolveAsync(IPAddress peer, CancellationToken cancel = default)
    {
        var address = RealmMembership.Normalize(peer);
        if (_membership.Peers.TryGetValue(address, out var mapped))
        {
            return PeerPrincipalResult.Found(new HostPrincipal(mapped, _membership.Realm), PeerNameSource.Mapping);
        }

        var name = await _reverseLookup(address, cancel).ConfigureAwait(false);
        if (name is null || IPAddress.TryParse(name, out _))
        {
            return PeerPrincipalResult.NotFound($"no host name for {address} (add it to /etc/hosts or DNS, or map it: rampart realm peer add {address}=NAME)");
        }

        return KerberosNames.TryParseHost(name, out var host, out var error)
            ? PeerPrincipalResult.Found(new HostPrincipal(host, _membership.Realm), PeerNameSource.Resolver)
            : PeerPrincipalResult.NotFound($"the name of {address} is not usable: {error}");
    }

    /// <summary>getnameinfo(NI_NAMEREQD) through the runtime: null when the address has no name.</summary>
    public static async Task<string?> LookUpNameAsync(IPAddress address, CancellationToken cancel)
    {
        try
        {
            var entry = await Dns.GetHostEntryAsync(address.ToString(), cancel).ConfigureAwait(false);
            return entry.HostName;
        }
        catch (SocketException)
        {
            return null;
        }
    }
}

/// <summary>Where a peer's name came from.</summary>
public enum PeerNameSource
{
    Mapping,
    Resolver,
}

/// <summary>The outcome of <see cref="PeerPrincipalResolver.ResolveAsync"/>: a principal and its source, or why there is none.</summary>
public sealed record PeerPrincipalResult(HostPrincipal? Principal, PeerNameSource Source, string? Error)
{
    public static PeerPrincipalResult Found(HostPrincipal principal, PeerNameSource source) => new(principal, source, null);

    public static PeerPrincipalResult NotFound(string error) => new(null, PeerNameSource.Resolver, error);
}
