using System.Net;

namespace Rampart.Ike;

/// <summary>
/// Kerberos authentication through GSS-API (method 65001, draft-ietf-ipsec-isakmp-gss-auth as Windows 2000 used it;
/// docs/kerberos.md): the GSS tokens ride in MM3/MM4, HASH_I/HASH_R cover them and are bound with the GSS context's
/// keys (<see cref="GssHashBinding"/>). Every GSS call is the host's (<see cref="GssStep"/>): it can block on the KDC.
/// </summary>
public sealed class IkeKerberosAuthentication : IkeAuthentication
{
    /// <summary>Our principal (<c>host/NAME@REALM</c>), for traces; the host's context uses its keytab.</summary>
    public required string LocalPrincipal { get; init; }

    public override string ToString() => $"Kerberos ({LocalPrincipal})";

    internal override IkeAuthentication Copy() => this; // holds nothing secret: the keys stay in the host's keytab
}

/// <summary>How HASH_I/HASH_R are protected with the GSS context's keys in the HASH payload: the one place to change.</summary>
public enum GssHashBinding
{
    /// <summary>GSS_GetMIC over the hash; the receiver GSS_VerifyMIC's it against its own computation.</summary>
    Mic,

    /// <summary>GSS_Wrap(conf_req = 1) of the hash (racoon); the receiver unwraps and compares in constant time.</summary>
    Wrap,
}

/// <summary>Why a <see cref="GssStep"/> failed: the audit it becomes (545 or 547).</summary>
public enum GssStepFailure
{
    /// <summary>GSS-API refused (wrong keytab, unexpected principal, a hash that does not verify): 545.</summary>
    Refused,

    /// <summary>No answer in time (KDC unreachable), workers overloaded, context gone: 547.</summary>
    Unavailable,
}

/// <summary>
/// One GSS step for the Main Mode of <paramref name="ContextId"/> (one context per ISAKMP SA), off the IKE loop; answer
/// with <c>CompleteGssStep(RequestId, ...)</c>. In order: when <paramref name="Step"/> is set, advance the context
/// (initiator: <paramref name="InputToken"/> null for the first token; acceptor: the peer's token) and return its output
/// token, the context having to be complete once the peer's last token is in; when <paramref name="PeerProtectedHash"/>
/// is set, check it covers <paramref name="ExpectedHash"/>; when <paramref name="HashToProtect"/> is set, protect it.
/// The host resolves the peer's principal from <paramref name="Peer"/> (off the loop) when it creates the context, and
/// returns it as <see cref="GssStepResult.PeerPrincipal"/> once authenticated.
/// </summary>
public sealed record GssStep(
    long RequestId,
    long ContextId,
    IPAddress Peer,
    bool IsInitiator,
    IkeKerberosAuthentication Authentication,
    bool Step,
    byte[]? InputToken,
    byte[]? ExpectedHash,
    byte[]? PeerProtectedHash,
    byte[]? HashToProtect,
    GssHashBinding Binding) : IkeAction;

/// <summary>The host is done with the GSS context of an ISAKMP SA (established or failed): dispose it.</summary>
public sealed record ReleaseGssContext(long ContextId) : IkeAction;

/// <summary>
/// The host's answer to a <see cref="GssStep"/>: the output token (null when the context produced none), the protected
/// hash, and the peer's authenticated principal once known; or the failure with its reason.
/// </summary>
public sealed record GssStepResult(byte[]? Token, byte[]? ProtectedHash, string? PeerPrincipal, GssStepFailure? Failure, string? Reason)
{
    public static GssStepResult Done(byte[]? token, byte[]? protectedHash, string? peerPrincipal) => new(token, protectedHash, peerPrincipal, null, null);

    public static GssStepResult Failed(GssStepFailure failure, string reason) => new(null, null, null, failure, reason);
}
