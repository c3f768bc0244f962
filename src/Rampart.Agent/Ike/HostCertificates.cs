using Rampart.Core.Policy;
using Rampart.Credentials.Certificates;
using Rampart.Ike;

namespace Rampart.Agent.Ike;

/// <summary>
/// The host's certificate store as IKE's certificate method uses it: for a rule's run of <c>cert:CA</c> methods, the
/// authorities to request, the signature kinds our usable certificates allow and the chooser of the one to send. The
/// store is read again only when its files change (a few stats per lookup), so a <c>rampart cert import</c> serves
/// the next negotiation without a restart. Called on the agent's loop.
/// </summary>
public sealed class HostCertificates(CertificateStore store, TimeProvider time)
{
    private (DateTime Directory, DateTime Personal, DateTime Trusted) _stamp;
    private IReadOnlyList<PersonalCertificate> _personal = [];
    private IReadOnlyList<TrustedAuthority> _trusted = [];
    private string? _damaged;

    /// <summary>
    /// The certificate method for <paramref name="run"/> (a rule's contiguous <c>cert:CA</c> methods), or false with the
    /// reason when the store is damaged or holds no usable certificate with its private key from those CAs.
    /// </summary>
    public bool TryMap(IReadOnlyList<AuthenticationMethod.Certificate> run, out IkeCertificateAuthentication? authentication, out string failure)
    {
        ArgumentNullException.ThrowIfNull(run);
        authentication = null;
        Refresh();
        if (_damaged is not null)
        {
            failure = _damaged;
            return false;
        }

        var caNames = run.Select(m => m.CaName).ToList();
        var personal = _personal;
        var trusted = _trusted;
        var kinds = CertificateChooser.Usable(personal, trusted, caNames, time.GetUtcNow())
            .Select(c => ToSignatureKind(CertificateKeyKinds.Of(c.Certificate)))
            .OfType<IkeSignatureKind>()
            .Distinct()
            .ToList();
        if (kinds.Count == 0)
        {
            failure = $"no personal certificate with its private key chains to {string.Join(" or ", caNames.Select(n => $"'{n}'"))} (the walkthrough: computer certificates must have a private key)";
            return false;
        }

        authentication = new IkeCertificateAuthentication
        {
            CaNames = caNames,
            RequestedAuthorities = CertificateChooser.Authorities(trusted, caNames),
            SignatureKinds = kinds,
            RequireIkeEku = run.Any(m => m.RequireIkeEku),
            ChooseCredential = (requested, kind) => CertificateChooser.Choose(personal, trusted, caNames, requested, ToKeyKind(kind), time.GetUtcNow()) is { } chosen
                ? new IkeCertificateCredential(chosen.Certificate, chosen.Intermediates)
                : null,
        };
        failure = "";
        return true;
    }

    private void Refresh()
    {
        var stamp = (Stamp(store.Directory), Stamp(Path.Combine(store.Directory, "personal")), Stamp(Path.Combine(store.Directory, "trusted.json")));
        if (stamp == _stamp && _stamp != default)
        {
            return;
        }

        _stamp = stamp;
        try
        {
            _personal = store.LoadPersonal();
            _trusted = store.LoadTrusted();
            _damaged = null;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            _personal = [];
            _trusted = [];
            _damaged = "the certificate store cannot be read: " + e.Message;
        }
    }

    private static DateTime Stamp(string path) => File.GetLastWriteTimeUtc(path);

    private static IkeSignatureKind? ToSignatureKind(CertificateKeyKind kind) => kind switch
    {
        CertificateKeyKind.Rsa => IkeSignatureKind.Rsa,
        CertificateKeyKind.EcdsaP256 => IkeSignatureKind.EcdsaP256,
        CertificateKeyKind.EcdsaP384 => IkeSignatureKind.EcdsaP384,
        _ => null,
    };

    private static CertificateKeyKind? ToKeyKind(IkeSignatureKind kind) => kind switch
    {
        IkeSignatureKind.Rsa => CertificateKeyKind.Rsa,
        IkeSignatureKind.EcdsaP256 => CertificateKeyKind.EcdsaP256,
        IkeSignatureKind.EcdsaP384 => CertificateKeyKind.EcdsaP384,
        _ => CertificateKeyKind.Unsupported,
    };
}
