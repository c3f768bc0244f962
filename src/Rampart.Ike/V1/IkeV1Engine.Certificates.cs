namespace Rampart.Ike.V1;

/// <summary>Signature authentication (RFC 2409 §5.1): the host's asynchronous peer certificate validation.</summary>
public sealed partial class IkeV1Engine
{
    private readonly Dictionary<long, Phase1Sa> _validations = [];

    /// <summary>
    /// The host's answer to <see cref="ValidatePeerCertificate"/> <paramref name="requestId"/>: Main Mode goes on when
    /// <paramref name="result"/> is valid, else fails with AUTHENTICATION-FAILED and a <see cref="IkeAuditKind.CertificateRejected"/>
    /// audit carrying the reason. An unknown request (already timed out, SA gone) is ignored.
    /// </summary>
    public void CompletePeerValidation(long requestId, CertificateCheck result, DateTimeOffset now, List<IkeAction> actions)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(actions);
        if (!_validations.Remove(requestId, out _))
        {
            return;
        }

        ArmIfEarlier(now, actions);
    }
}
