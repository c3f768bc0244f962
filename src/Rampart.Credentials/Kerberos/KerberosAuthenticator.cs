namespace Rampart.Credentials.Kerberos;

/// <summary>Settings of <see cref="KerberosAuthenticator"/>.</summary>
public sealed record KerberosAuthenticatorOptions
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long one GSS call may take before the negotiation fails (audit 547); 5 s unless set.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>Dedicated worker threads: as many calls may be blocked on an unreachable KDC at once.</summary>
    public int Workers { get; init; } = 4;

    /// <summary>The host's keytab, read to explain a refused token (GSS-API says only "GenericFailure"); none unless set.</summary>
    public string? KeytabPath { get; init; }

    /// <summary>Calls waiting for a worker before new ones are refused as overloaded.</summary>
    public int QueueLimit { get; init; } = 256;
}

/// <summary>
/// Kerberos (GSS-API through <see cref="System.Net.Security.NegotiateAuthentication"/>, package "Kerberos", mutual
/// authentication required) for IKE's main mode, off the IKE loop: every call runs on the <see cref="GssWorkerPool"/>
/// with the configured timeout. The process's Kerberos environment must be set first
/// (<see cref="KerberosEnvironment.Apply"/>).
/// </summary>
public sealed class KerberosAuthenticator : IDisposable
{
    private readonly GssWorkerPool _workers;

    public KerberosAuthenticator(KerberosAuthenticatorOptions? options = null, TimeProvider? time = null)
    {
        Options = options ?? new KerberosAuthenticatorOptions();
        _workers = new GssWorkerPool(Options.Workers, Options.QueueLimit, time);
    }

    public KerberosAuthenticatorOptions Options { get; }

    /// <summary>The initiator's side: its first step (no incoming token) asks the KDC for a ticket to <paramref name="peer"/>.</summary>
    public KerberosContext CreateInitiator(HostPrincipal peer) => new(_workers, Options, KerberosRole.Initiator, peer);

    /// <summary>The responder's side: it accepts the initiator's token only if it proves <paramref name="expectedPeer"/>.</summary>
    public KerberosContext CreateAcceptor(HostPrincipal expectedPeer) => new(_workers, Options, KerberosRole.Acceptor, expectedPeer);

    public void Dispose() => _workers.Dispose();
}

public enum KerberosRole
{
    Initiator,
    Acceptor,
}
