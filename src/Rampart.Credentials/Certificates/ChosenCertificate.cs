using System.Security.Cryptography.X509Certificates;

namespace Rampart.Credentials.Certificates;

/// <summary>
/// The certificate IKE sends as this computer's identity: the end entity (with its private key), the intermediates
/// to send after it (not the root), and the rule's CA name it chains to.
/// </summary>
public sealed record ChosenCertificate(X509Certificate2 Certificate, IReadOnlyList<X509Certificate2> Intermediates, string CaName);
