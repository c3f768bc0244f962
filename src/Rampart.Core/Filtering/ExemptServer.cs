using System.Net;

namespace Rampart.Core.Filtering;

/// <summary>The services this host may reach in clear as a client, whatever the policy.</summary>
public enum ExemptService : byte
{
    /// <summary>The realm's KDC (TCP and UDP 88): Kerberos authenticates IKE, so it cannot wait for IKE.</summary>
    Kerberos,

    /// <summary>The directory (TCP and UDP 389) the agent reads its policy from.</summary>
    Ldap,
}

/// <summary>
/// One configured server this host talks to in clear as a client: TCP and UDP to <see cref="Address"/> port
/// <see cref="Port"/>, and the server's replies (the kernel lets in only replies to what this host sent).
/// </summary>
public sealed record ExemptServer(ExemptService Service, IPAddress Address, ushort Port)
{
    public const ushort KerberosPort = 88;
    public const ushort LdapPort = 389;

    /// <summary>A server on its service's well-known port.</summary>
    public static ExemptServer OnDefaultPort(ExemptService service, IPAddress address) =>
        new(service, address, service == ExemptService.Kerberos ? KerberosPort : LdapPort);

    public bool IsIPv6 => AddressPrefix.ToNumber(Address).IsIPv6;

    /// <summary>The address without a port, for netfilter rules.</summary>
    public string AddressText => (Address.IsIPv4MappedToIPv6 ? Address.MapToIPv4() : Address).ToString();
}
