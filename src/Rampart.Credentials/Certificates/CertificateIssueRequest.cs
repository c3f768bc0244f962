using System.Net;

namespace Rampart.Credentials.Certificates;

/// <summary>
/// What <c>rampart ca issue</c> asks for: the subject DN, subjectAltName addresses and DNS names, whether to add the
/// IKE extended key usages, the CRL distribution point, the key, and how long it is valid.
/// </summary>
public sealed record CertificateIssueRequest(
    string Subject,
    IReadOnlyList<IPAddress> Addresses,
    IReadOnlyList<string> DnsNames,
    bool IkeEku = false,
    Uri? CrlUrl = null,
    CaKeyAlgorithm? Key = null,
    TimeSpan? Validity = null);
