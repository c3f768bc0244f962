using System.Buffers;
using System.ComponentModel;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;

namespace Rampart.Credentials.Kerberos;

/// <summary>
/// One GSS-API security context with one peer: the handshake (<see cref="StepAsync"/>, two legs with Kerberos) and
/// then MICs over the IKE exchange. Calls on one context are sequential (NegotiateAuthentication is not thread-safe);
/// each runs on a dedicated worker. After a timeout or failure the context is unusable: a new negotiation starts a
/// new one. The blocked native call may still finish later; the context is disposed once it does.
/// </summary>
public sealed class KerberosContext : IDisposable
{
    private readonly GssWorkerPool _workers;
    private readonly TimeSpan _timeout;
    private readonly string? _keytabPath;
    private readonly Lock _gate = new();
    private NegotiateAuthentication? _gss;
    private string? _unusable;
    private bool _running;
    private bool _executing;
    private bool _disposeWhenDone;

    internal KerberosContext(GssWorkerPool workers, KerberosAuthenticatorOptions options, KerberosRole role, HostPrincipal peer)
    {
        _workers = workers;
        _timeout = options.Timeout;
        _keytabPath = options.KeytabPath;
        Role = role;
        ExpectedPeer = peer;
    }

    public KerberosRole Role { get; }

    /// <summary>The principal the peer must be (the initiator's target, the acceptor's expectation).</summary>
    public HostPrincipal ExpectedPeer { get; }

    /// <summary>True once the handshake completed with mutual authentication and the peer's name checked.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>
    /// Processes the peer's token (empty for the initiator's first step) and returns the token to send. The initiator's
    /// first step may reach the KDC (a ticket for the peer).
    /// </summary>
    public Task<GssResult<GssStep>> StepAsync(ReadOnlyMemory<byte> incoming) => RunAsync(gss =>
    {
        var token = gss.GetOutgoingBlob(incoming.Span, out var status);
        if (status == NegotiateAuthenticationStatusCode.ContinueNeeded)
        {
            return GssResult.Success<GssStep>(new GssStep(token, false));
        }

        if (status != NegotiateAuthenticationStatusCode.Completed)
        {
            return GssResult.Failed<GssStep>(GssFailureReason.AuthenticationFailed, KeytabProblem(incoming.Span) ?? Describe(status));
        }

        if (!gss.IsMutuallyAuthenticated)
        {
            return GssResult.Failed<GssStep>(GssFailureReason.AuthenticationFailed, "the handshake completed without mutual authentication");
        }

        if (Role == KerberosRole.Acceptor && !string.Equals(gss.RemoteIdentity.Name, ExpectedPeer.ToString(), StringComparison.Ordinal))
        {
            return GssResult.Failed<GssStep>(GssFailureReason.UnexpectedPeer,
                $"the peer authenticated as {KerberosNames.Printable(gss.RemoteIdentity.Name ?? "")}, expected {ExpectedPeer}");
        }

        IsComplete = true;
        return GssResult.Success<GssStep>(new GssStep(token is { Length: > 0 } ? token : null, true));
    }, requireComplete: false);

    /// <summary>The MIC (GSS_GetMIC) over <paramref name="data"/>, e.g. the IKE exchange's HASH.</summary>
    public Task<GssResult<byte[]>> ComputeMicAsync(ReadOnlyMemory<byte> data) => RunAsync(gss =>
    {
        var mic = new ArrayBufferWriter<byte>();
        gss.ComputeIntegrityCheck(data.Span, mic);
        return GssResult.Success(mic.WrittenSpan.ToArray());
    }, requireComplete: true);

    /// <summary>Verifies the peer's MIC over <paramref name="data"/>; a MIC that does not verify is a failure.</summary>
    public Task<GssResult<bool>> VerifyMicAsync(ReadOnlyMemory<byte> data, ReadOnlyMemory<byte> mic) => RunAsync(gss =>
        gss.VerifyIntegrityCheck(data.Span, mic.Span)
            ? GssResult.Success<bool>(true)
            : GssResult.Failed<bool>(GssFailureReason.BadIntegrityCheck, $"the MIC of {ExpectedPeer} over the exchange does not verify"),
        requireComplete: true);

    /// <summary>GSS_Wrap with confidentiality over <paramref name="data"/>: what racoon puts in the HASH payload (see docs/kerberos.md).</summary>
    public Task<GssResult<byte[]>> WrapAsync(ReadOnlyMemory<byte> data) => RunAsync(gss =>
    {
        var wrapped = new ArrayBufferWriter<byte>();
        var status = gss.Wrap(data.Span, wrapped, requestEncryption: true, out var encrypted);
        return status == NegotiateAuthenticationStatusCode.Completed && encrypted
            ? GssResult.Success(wrapped.WrittenSpan.ToArray())
            : GssResult.Failed<byte[]>(GssFailureReason.AuthenticationFailed, "GSS_Wrap failed: " + Describe(status));
    }, requireComplete: true);

    /// <summary>GSS_Unwrap of the peer's wrapped data; a token that does not unwrap is a failure.</summary>
    public Task<GssResult<byte[]>> UnwrapAsync(ReadOnlyMemory<byte> wrapped) => RunAsync(gss =>
    {
        var data = new ArrayBufferWriter<byte>();
        var status = gss.Unwrap(wrapped.Span, data, out _);
        return status == NegotiateAuthenticationStatusCode.Completed
            ? GssResult.Success(data.WrittenSpan.ToArray())
            : GssResult.Failed<byte[]>(GssFailureReason.BadIntegrityCheck, $"the wrapped data of {ExpectedPeer} does not unwrap ({status})");
    }, requireComplete: true);

    public void Dispose()
    {
        lock (_gate)
        {
            _unusable ??= "the context was disposed";
            if (_executing)
            {
                _disposeWhenDone = true;
                return;
            }

            _gss?.Dispose();
            _gss = null;
        }
    }

    private async Task<GssResult<T>> RunAsync<T>(Func<NegotiateAuthentication, GssResult<T>> call, bool requireComplete)
    {
        lock (_gate)
        {
            if (_unusable is not null)
            {
                return GssResult.Failed<T>(GssFailureReason.Unavailable, _unusable);
            }

            if (_running)
            {
                return GssResult.Failed<T>(GssFailureReason.Unavailable, "another call on this context is running");
            }

            if (requireComplete && !IsComplete)
            {
                return GssResult.Failed<T>(GssFailureReason.Unavailable, "the handshake is not complete");
            }

            _running = true;
        }

        GssResult<T>? outcome = null;
        try
        {
            var result = await _workers.RunAsync(() => Execute(call), _timeout).ConfigureAwait(false);
            outcome = result.Succeeded ? result.Value : GssResult.Failed<T>(result.Failure!.Value, result.Message!);
            return outcome.Value;
        }
        finally
        {
            lock (_gate)
            {
                // An exception the call did not expect retires the context too.
                if (outcome is not { Succeeded: true })
                {
                    _unusable ??= outcome is { } failed ? $"an earlier call failed ({failed.Failure}: {failed.Message})" : "an earlier call failed";
                }

                // A call that timed out may still be running on its worker: it clears the flag itself when it returns.
                if (!_executing)
                {
                    _running = false;
                }
            }
        }
    }

    private GssResult<T> Execute<T>(Func<NegotiateAuthentication, GssResult<T>> call)
    {
        lock (_gate)
        {
            // Its caller gave up while it was queued: the context is retired, leave it alone.
            if (_unusable is not null)
            {
                return GssResult.Failed<T>(GssFailureReason.Unavailable, _unusable);
            }

            _executing = true;
        }

        try
        {
            _gss ??= Create();
            return call(_gss);
        }
        catch (Exception e) when (e is InvalidOperationException or AuthenticationException or Win32Exception or PlatformNotSupportedException or DllNotFoundException)
        {
            return GssResult.Failed<T>(GssFailureReason.AuthenticationFailed, e.Message);
        }
        finally
        {
            lock (_gate)
            {
                _executing = false;
                _running = false;

                // A call whose caller timed out returns here later: it retires the context if it was disposed meanwhile.
                if (_disposeWhenDone)
                {
                    _gss?.Dispose();
                    _gss = null;
                }
            }
        }
    }

    private NegotiateAuthentication Create() => Role == KerberosRole.Initiator
        ? new NegotiateAuthentication(new NegotiateAuthenticationClientOptions
        {
            Package = "Kerberos",
            TargetName = ExpectedPeer.TargetName,
            RequireMutualAuthentication = true,
            RequiredProtectionLevel = ProtectionLevel.Sign,
            Credential = CredentialCache.DefaultNetworkCredentials,
        })
        : new NegotiateAuthentication(new NegotiateAuthenticationServerOptions
        {
            Package = "Kerberos",
            RequiredProtectionLevel = ProtectionLevel.Sign,
            Credential = CredentialCache.DefaultNetworkCredentials,
        });

    /// <summary>For an acceptor: why its keytab cannot open the initiator's ticket, when that is the reason.</summary>
    private string? KeytabProblem(ReadOnlySpan<byte> token)
    {
        if (Role != KerberosRole.Acceptor || _keytabPath is null || !ApRequestTicket.TryRead(token, out var ticket))
        {
            return null;
        }

        try
        {
            return ticket!.KeytabProblem(Keytab.Entries(File.ReadAllBytes(_keytabPath)), _keytabPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return $"the keytab {_keytabPath} cannot be read: {e.Message}";
        }
    }

    private static string Describe(NegotiateAuthenticationStatusCode status) => status switch
    {
        NegotiateAuthenticationStatusCode.UnknownCredentials => "no usable credentials (is the host's keytab right for its principal?)",
        NegotiateAuthenticationStatusCode.CredentialsExpired => "the credentials expired",
        NegotiateAuthenticationStatusCode.TargetUnknown => "the KDC does not know the peer's principal",
        NegotiateAuthenticationStatusCode.InvalidToken => "the peer's token is invalid",
        NegotiateAuthenticationStatusCode.MessageAltered => "the peer's token was altered",
        NegotiateAuthenticationStatusCode.ContextExpired => "the security context expired",
        NegotiateAuthenticationStatusCode.BadBinding => "the channel binding does not match",
        NegotiateAuthenticationStatusCode.ImpersonationValidationFailed or NegotiateAuthenticationStatusCode.SecurityQosFailed
            => "the required protection (mutual authentication, integrity) is not available",
        _ => $"GSS-API failed ({status}; KRB5_TRACE=FILE shows the library's reason: wrong keytab, KDC refused or unreachable)",
    };
}
