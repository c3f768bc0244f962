using System.Runtime.InteropServices;
using Rampart.Lab;

namespace Rampart.Cli.Demo;

/// <summary>
/// <c>rampart demo</c>: checks what it needs, builds the two-host lab, runs the script and always cleans up,
/// also on Ctrl-C or SIGTERM. Exit 0 only if the traffic was secured; 1 otherwise; 130 when interrupted.
/// </summary>
internal static class DemoRunner
{
    private const int Interrupted = 130;
    public static int Run()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return Cli.Fail("the demo creates network namespaces: run it as root (sudo ./rampart demo)");
        }

        if (Prerequisites.MissingTool("ping", "tcpdump", "python3") is { } missing)
        {
            return Cli.Fail($"the demo needs '{missing}': run .ci/install-deps.sh (see README.md, 'Set up a fresh machine')");
        }

        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            // Keep running until the lab is torn down; the script stops at its next step.
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCtrlC;
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            cancel.Cancel();
        });
        try
        {
            using var lab = DemoLab.Create();
            try
            {
                return new DemoScript(lab, cancel.Token).Run() ? CliRunner.Success : CliRunner.Failure;
            }
            catch (Exception e) when (e is DemoFailureException or InvalidOperationException or TimeoutException)
            {
                // The lab says what failed (an agent that did not start, a policy not applied, a tool that hung).
                Console.Error.WriteLine($"rampart demo: {e.Message}");
                foreach (var host in new[] { lab.A, lab.B })
                {
                    var tail = host.AgentLogTail(15);
                    if (tail.Length > 0)
                    {
                        Console.Error.WriteLine($"--- last lines of host {host.Name}'s agent ---\n{tail}");
                    }
                }

                return CliRunner.Failure;
            }
            finally
            {
                Console.WriteLine("Cleaning up: agents stopped, namespaces and temporary files removed.");
            }
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("rampart demo: interrupted; cleaned up.");
            return Interrupted;
        }
        catch (Exception e) when (e is DemoFailureException or InvalidOperationException or TimeoutException)
        {
            return Cli.Fail("demo: " + e.Message);
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }
    }
}
