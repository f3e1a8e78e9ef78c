import { describe, expect, it } from 'vitest';
import { tlsProblem, tlsResetProblem } from './tls-text';

const err = (code: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code, ...extra });

describe('how a failed TLS handshake is told', () => {
  it('names an untrusted certificate, the host and the CA setting', () => {
    expect(tlsProblem(err('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), 'mq.example:5671')).toBe(
      'the TLS handshake with mq.example:5671 failed: its certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain); give the CA that signed it with --tls-ca (HYPERNODE_TLS_CA, option tls.ca), or fix the server\'s certificate chain',
    );
  });

  it('names a certificate for another host name, an expired one, a plain port, and a server that wants a client certificate', () => {
    expect(tlsProblem(err('ERR_TLS_CERT_ALTNAME_INVALID', 'x', { reason: "Host: mq.example. is not in the cert's altnames: DNS:localhost" }), 'mq.example:5671')).toContain(
      "the server's certificate is not for that host name (Host: mq.example. is not in the cert's altnames: DNS:localhost)",
    );
    expect(tlsProblem(err('CERT_HAS_EXPIRED', 'certificate has expired'), 'h:1')).toContain('is expired (CERT_HAS_EXPIRED); renew it');
    const plain = tlsProblem(err('ERR_SSL_WRONG_VERSION_NUMBER', 'C0:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl3_record.c:350:\n', { reason: 'wrong version number' }), 'h:5672');
    expect(plain).toBe("no TLS handshake with h:5672 (wrong version number): is this a plain, non-TLS port? Give the server's TLS port (RabbitMQ's is 5671 by default), or use amqp:// / redis:// for a plain one");
    expect(tlsProblem(err('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'alert certificate required'), 'h:1')).toContain('it wants a client certificate; give one with --tls-cert');
    expect(tlsResetProblem(err('ECONNRESET', 'write ECONNRESET'), 'h:1')).toContain('it likely wants a client certificate');
  });

  it('says nothing of errors that are not about TLS', () => {
    expect(tlsProblem(err('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5671'), 'h:1')).toBeUndefined();
    expect(tlsProblem(undefined, 'h:1')).toBeUndefined();
    expect(tlsResetProblem(err('ECONNREFUSED', 'connect ECONNREFUSED'), 'h:1')).toBeUndefined();
  });
});
