using System.Net;

namespace Rampart.Core.Policy;

public enum ConnectionType
{
    All,
    Lan,
    RemoteAccess,
}

/// <summary>
/// One rule of a policy: a filter list, the action for it, the ordered authentication methods, the peer's tunnel
/// endpoint (null = transport mode) and the connections it applies to.
/// </summary>
public sealed record Rule(
    string FilterListName,
    string FilterActionName,
    EquatableList<AuthenticationMethod> AuthenticationMethods,
    IPAddress? TunnelEndpoint = null,
    ConnectionType ConnectionType = ConnectionType.All);
