using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Rampart.Credentials.Kerberos;
using Rampart.Ike;
using IkeGssStep = Rampart.Ike.GssStep;

namespace Rampart.Agent.Ike;

/// <summary>
/// Kerberos authentication's share of the controller: the engine's GSS steps (a ticket request can stall on the KDC)
/// run on the GSS workers, never on the loop; each answer comes back to the loop as an event of its own. One
/// <see cref="KerberosContext"/> per Main Mode, kept here on the loop and disposed when the engine releases it.
/// </summary>
public sealed partial class IkeController
{
    private readonly Dictionary<long, KerberosContext> _gssContexts = [];

    /// <summary>Contexts the engine released while their first step was still running: disposed when it returns.</summary>
    private readonly HashSet<long> _gssReleasedEarly = [];

    /// <summary>The realm membership's GSS services; null when the host has joined no realm (Kerberos methods are skipped).</summary>
    public IkeKerberosServices? Kerberos { get; init; }

    private string? KerberosPrincipal => Kerberos?.Membership.Principal.ToString();

    private void RunGssStep(IkeGssStep request)
    {
        if (Kerberos is not { } kerberos)
        {
            CompleteGss(request, null, GssStepResult.Failed(GssStepFailure.Refused, PolicyIkeMapping.NotJoined));
            return;
        }

        _ = GssOffLoopAsync(kerberos, request, _gssContexts.GetValueOrDefault(request.ContextId));
    }

    private void ReleaseGss(long contextId)
    {
        if (_gssContexts.Remove(contextId, out var context))
        {
            context.Dispose();
        }
        else
        {
            _gssReleasedEarly.Add(contextId);
        }
    }

    private async Task GssOffLoopAsync(IkeKerberosServices kerberos, IkeGssStep request, KerberosContext? context)
    {
        KerberosContext? created = null;
        GssStepResult result;
        try
        {
            if (context is null)
            {
                // The resolver may wait on DNS: the thread pool, with the GSS timeout.
                using var timeout = new CancellationTokenSource(kerberos.Authenticator.Options.Timeout);
                var peer = await Task.Run(() => kerberos.Resolver.ResolveAsync(request.Peer, timeout.Token)).ConfigureAwait(false);
                if (peer.Principal is { } principal)
                {
                    context = created = request.IsInitiator ? kerberos.Authenticator.CreateInitiator(principal) : kerberos.Authenticator.CreateAcceptor(principal);
                }
                else
                {
                    _post(() => CompleteGss(request, null, GssStepResult.Failed(GssStepFailure.Refused, $"no Kerberos principal for {request.Peer}: {peer.Error}")));
                    return;
                }
            }

            result = await StepAsync(context, request).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            result = GssStepResult.Failed(GssStepFailure.Unavailable, "the GSS step failed: " + e.Message);
        }

        _post(() => CompleteGss(request, created, result));
    }

    /// <summary>The engine's step on one context: the token exchange, then the peer's protected hash, then ours.</summary>
    private static async Task<GssStepResult> StepAsync(KerberosContext context, IkeGssStep request)
    {
        byte[]? token = null;
        if (request.Step)
        {
            var step = await context.StepAsync(request.InputToken ?? ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
            if (!step.Succeeded)
            {
                return Failed(step.Failure!.Value, step.Message);
            }

            token = step.Value!.Token is { Length: > 0 } output ? output : null;
        }

        if (request.PeerProtectedHash is { } theirs)
        {
            var expected = request.ExpectedHash ?? [];
            if (request.Binding == GssHashBinding.Mic)
            {
                var verified = await context.VerifyMicAsync(expected, theirs).ConfigureAwait(false);
                if (!verified.Succeeded || !verified.Value)
                {
                    return Failed(verified.Failure ?? GssFailureReason.BadIntegrityCheck, verified.Message ?? "the peer's MIC over the exchange's hash does not verify");
                }
            }
            else
            {
                var unwrapped = await context.UnwrapAsync(theirs).ConfigureAwait(false);
                if (!unwrapped.Succeeded || !CryptographicOperations.FixedTimeEquals(unwrapped.Value, expected))
                {
                    return Failed(unwrapped.Failure ?? GssFailureReason.BadIntegrityCheck, unwrapped.Message ?? "the peer's wrapped hash is not the exchange's");
                }
            }
        }

        byte[]? protectedHash = null;
        if (request.HashToProtect is { } ours)
        {
            var protection = request.Binding == GssHashBinding.Mic ? await context.ComputeMicAsync(ours).ConfigureAwait(false) : await context.WrapAsync(ours).ConfigureAwait(false);
            if (!protection.Succeeded)
            {
                return Failed(protection.Failure!.Value, protection.Message);
            }

            protectedHash = protection.Value;
        }

        return GssStepResult.Done(token, protectedHash, context.IsComplete ? context.ExpectedPeer.ToString() : null);
    }

    /// <summary>A refusal is an authentication failure (545); the KDC or the workers not answering is 547.</summary>
    private static GssStepResult Failed(GssFailureReason reason, string? message) => GssStepResult.Failed(
        reason is GssFailureReason.Timeout or GssFailureReason.Overloaded or GssFailureReason.Unavailable ? GssStepFailure.Unavailable : GssStepFailure.Refused,
        $"{reason}: {message}");

    /// <summary>On the loop: the answer goes to the engine, which goes on with Main Mode or fails it.</summary>
    private void CompleteGss(IkeGssStep request, KerberosContext? created, GssStepResult result)
    {
        if (created is not null)
        {
            if (_gssReleasedEarly.Remove(request.ContextId))
            {
                created.Dispose();
            }
            else
            {
                _gssContexts[request.ContextId] = created;
            }
        }

        if (result.Failure is not null)
        {
            LogGssFailed(_logger, request.Peer, result.Reason ?? "");
        }

        var now = _time.GetUtcNow();
        _engine.CompleteGssStep(request.RequestId, result, now, _actions);
        Execute(now);
    }

    [LoggerMessage(EventId = 514, Level = LogLevel.Warning, Message = "Kerberos with {Peer} failed: {Reason}")]
    private static partial void LogGssFailed(ILogger logger, System.Net.IPAddress peer, string reason);
}

/// <summary>The realm membership and its GSS services, for the Kerberos authentication method.</summary>
public sealed record IkeKerberosServices(RealmMembership Membership, KerberosAuthenticator Authenticator, PeerPrincipalResolver Resolver);
