using System.Globalization;

namespace Rampart.Interop.Tests.Harness;

/// <summary>
/// The two files one private charon reads: <c>strongswan.conf</c> (daemon, plugins, log, vici socket) and
/// <c>swanctl.conf</c> (one IKEv1 Main Mode connection with a pre-shared key, or with <see cref="Certificates"/>
/// strongSwan's ikev1-cert profile, and a host-to-host tunnel child), plus the credential directories the certificate
/// profile loads from. Nothing under /etc is read: charon and swanctl get <c>STRONGSWAN_CONF</c> and
/// <c>SWANCTL_DIR</c> pointing here.
/// </summary>
public sealed record StrongSwanConfiguration(string LocalAddress, string RemoteAddress, string PreSharedKey, string IkeProposals, string EspProposals)
{
    public const string Connection = "ikev1-psk";
    public const string Child = "ikev1-psk-tun";

    /// <summary>
    /// The plugins charon loads, in order. kernel-libipsec (ESP in userspace through a TUN device: this kernel has
    /// no ESP xfrm type) must come before kernel-netlink, or netlink becomes the IPsec back end and every CHILD_SA
    /// install fails; kernel-netlink still handles addresses and routes. openssl does the ciphers and groups, 3DES
    /// and DH 2 included through its legacy provider.
    /// </summary>
    private const string CharonPlugins = "kernel-libipsec kernel-netlink socket-default vici random nonce openssl sha1 sha2 md5 hmac kdf " + CredentialPlugins;

    /// <summary>What charon and swanctl need to parse PEM certificates and keys and to check certificate chains.</summary>
    private const string CredentialPlugins = "pem pkcs1 pkcs8 x509 pubkey constraints";

    /// <summary>Marks charon's own IKE and ESP-in-UDP sockets so the tunnel's route to the peer does not capture them.</summary>
    private const string BypassMark = "0x42";

    /// <summary>The connection's <c>fragmentation</c> (yes, accept, force, no); null = strongSwan's default (yes).</summary>
    public string? Fragmentation { get; init; }

    /// <summary><c>charon.fragment_size</c>: the largest IP packet of a fragment; null = strongSwan's default (1280).</summary>
    public int? FragmentSize { get; init; }

    /// <summary>strongSwan's certificate, key and CAs, and the peer's identity: null = the pre-shared key profile.</summary>
    public StrongSwanCertificates? Certificates { get; init; }

    /// <summary>Writes both files into <paramref name="directory"/> (created 0700: swanctl.conf holds the key).</summary>
    public void WriteTo(string directory, string viciSocket, string log)
    {
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (PreSharedKey.Contains('"', StringComparison.Ordinal))
        {
            throw new InvalidOperationException("the pre-shared key cannot hold a double quote in swanctl.conf");
        }

        File.WriteAllText(Path.Combine(directory, "strongswan.conf"), StrongSwanConf(viciSocket, log, FragmentSize));
        var swanctl = Path.Combine(directory, "swanctl.conf");
        File.WriteAllText(swanctl, SwanctlConf());
        File.SetUnixFileMode(swanctl, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Certificates?.CopyInto(directory);
    }

    private static string StrongSwanConf(string viciSocket, string log, int? fragmentSize) => string.Create(CultureInfo.InvariantCulture, $$"""
        # One private charon of Rampart's interop tests (tests/Rampart.Interop.Tests/Harness/StrongSwanPeer.cs).
        charon {
            load = {{CharonPlugins}}
            port = 500
            port_nat_t = 4500
            send_vendor_id = yes
            retransmit_tries = 3
            {{(fragmentSize is { } size ? $"fragment_size = {size}" : "# fragment_size: the default")}}
            install_virtual_ip = no
            # Tunnel routes go to table 220, reached by "not fwmark {{BypassMark}}": charon's own packets skip it.
            install_routes = yes
            routing_table = 220
            routing_table_prio = 220
            filelog {
                interop {
                    path = {{log}}
                    time_format = %H:%M:%S
                    time_add_ms = yes
                    ike_name = yes
                    flush_line = yes
                    default = 1
                    ike = 2
                }
            }
            # Nothing to the host's syslog.
            syslog {
            }
            plugins {
                vici {
                    socket = unix://{{viciSocket}}
                }
                kernel-libipsec {
                    # The tunnel's remote traffic selector is the IKE peer itself (host-to-host).
                    allow_peer_ts = yes
                    mtu = 1400
                }
                kernel-netlink {
                    fwmark = !{{BypassMark}}
                }
                socket-default {
                    fwmark = {{BypassMark}}
                }
                openssl {
                    load_legacy = yes
                }
            }
        }
        swanctl {
            socket = unix://{{viciSocket}}
            load = random nonce openssl {{CredentialPlugins}}
        }

        """);

    private string PskAuthentication() => $$"""
        local {
                    auth = psk
                    id = {{LocalAddress}}
                }
                remote {
                    auth = psk
                    id = {{RemoteAddress}}
                }
        """;

    private string SwanctlConf() => string.Create(CultureInfo.InvariantCulture, $$"""
        # Rampart's interop peer: IKEv1 Main Mode, pre-shared key, Quick Mode ESP in a host-to-host tunnel.
        # kernel-libipsec only does ESP in UDP, so the peer must do NAT traversal (RFC 3947).
        connections {
            {{Connection}} {
                version = 1
                aggressive = no
                local_addrs = {{LocalAddress}}
                remote_addrs = {{RemoteAddress}}
                proposals = {{IkeProposals}}
                rekey_time = 4h
                {{(Fragmentation is { } fragmentation ? $"fragmentation = {fragmentation}" : "# fragmentation: the default")}}
                # strongSwan answers dead peer detection but does not probe itself.
                dpd_delay = 0
                {{(Certificates is { } certificates ? certificates.Authentication() : PskAuthentication())}}
                children {
                    {{Child}} {
                        mode = tunnel
                        local_ts = dynamic
                        remote_ts = dynamic
                        esp_proposals = {{EspProposals}}
                        rekey_time = 1h
                        start_action = none
                        close_action = none
                        dpd_action = clear
                    }
                }
            }
        }
        secrets {
            # No ids: the key of every peer.
            ike-interop {
                secret = "{{PreSharedKey}}"
            }
        }

        """);
}
