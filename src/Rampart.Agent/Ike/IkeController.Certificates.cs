using Microsoft.Extensions.Logging;
using Rampart.Credentials.Certificates;
using Rampart.Ike;

namespace Rampart.Agent.Ike;

/// <summary>
/// Certificate authentication's share of the controller: the engine has checked the peer's signature and identity; the
/// chain, dates, EKU and CRLs are checked here off the loop (a CRL fetch waits on the network), and the verdict comes
/// back to the loop as an event of its own, so other peers keep negotiating meanwhile.
/// </summary>
public sealed partial class IkeController
{
    /// <summary>Peer certificates refused because a CRL revoked them or (level 2) none could be had.</summary>
    private long _crlFailures;

    private void Validate(ValidatePeerCertificate request)
    {
        if (_certificateServices is null)
        {
            Complete(request.RequestId, CertificateCheckResult.Invalid(CertificateCheckKind.Untrusted, "this agent has no certificate store"));
            return;
        }

        _ = ValidateOffLoopAsync(_certificateServices.Validator, request);
    }

    private async Task ValidateOffLoopAsync(PeerCertificateValidator validator, ValidatePeerCertificate request)
    {
        CertificateCheckResult result;
        try
        {
            // The thread pool, not the loop: a CRL fetch may take its whole timeout.
            result = await Task.Run(() => validator.ValidateAsync(request.EndEntity, request.Intermediates, request.Authentication.CaNames, request.Authentication.RequireIkeEku, CancellationToken.None)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            result = CertificateCheckResult.Invalid(CertificateCheckKind.Untrusted, "the certificate check failed: " + e.Message);
        }

        _post(() => Complete(request.RequestId, result));
    }

    /// <summary>On the loop: the verdict goes to the engine, which goes on with Main Mode or fails it (audited 544).</summary>
    private void Complete(long requestId, CertificateCheckResult result)
    {
        if (!result.IsValid)
        {
            if (result.Kind is CertificateCheckKind.Revoked or CertificateCheckKind.CrlUnavailable)
            {
                _crlFailures++;
            }

            LogCertificateRefused(_logger, result.KindName, result.Reason);
        }

        var now = _time.GetUtcNow();
        _engine.CompletePeerValidation(requestId, result.IsValid ? CertificateCheck.Valid : CertificateCheck.Invalid($"{result.KindName}: {result.Reason}"), now, _actions);
        Execute(now);
    }

    [LoggerMessage(EventId = 513, Level = LogLevel.Warning, Message = "Peer certificate refused ({Kind}): {Reason}")]
    private static partial void LogCertificateRefused(ILogger logger, string kind, string reason);
}

/// <summary>The host's certificates and the checker of peers' certificates, for the certificate authentication method.</summary>
public sealed record IkeCertificateServices(HostCertificates Certificates, PeerCertificateValidator Validator);
