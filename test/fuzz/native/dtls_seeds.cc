// SPDX-License-Identifier: MIT
// Writes seed inputs for the DTLS fuzz target (dtls_fuzzer.cc, whose header
// describes the input format) into the directory named by argv[1]: it runs
// real handshakes between two DtlsEndpoints, records every datagram of every
// flight in both directions, and writes
//  - "before" programs that feed one side's recorded flights, as raw
//    datagrams, to a fresh endpoint of the other role;
//  - programs that let the harness's own pair shake hands step by step
//    (deliver / deliver back), with mutated, cut and replayed datagrams
//    between the steps;
//  - "after" programs: application data both ways, replays of handshake
//    datagrams, a recorded application-data record of another association,
//    close_notify.
// Run by `npm run fuzz -- --seed`; the seeds feed libFuzzer's first merge.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/certificate.h"
#include "core/dtls_context.h"
#include "core/dtls_endpoint.h"

using dtlssrtp::core::Certificate;
using dtlssrtp::core::CertificateError;
using dtlssrtp::core::DtlsConfig;
using dtlssrtp::core::DtlsEndpoint;
using dtlssrtp::core::DtlsStatus;
using dtlssrtp::core::KeyType;
using dtlssrtp::core::Verifier;
using dtlssrtp::core::VerifyVerdict;

namespace {

using Bytes = std::vector<uint8_t>;

std::string out_dir;
int written = 0;

void Write(const std::string& name, const Bytes& data) {
  const std::string file = out_dir + "/" + name;
  FILE* f = std::fopen(file.c_str(), "wb");
  if (f == nullptr || std::fwrite(data.data(), 1, data.size(), f) != data.size() || std::fclose(f) != 0) {
    std::fprintf(stderr, "cannot write %s\n", file.c_str());
    std::exit(1);
  }
  ++written;
}

void Raw(Bytes* program, const Bytes& datagram) {
  program->push_back(0);
  program->push_back(static_cast<uint8_t>(datagram.size() >> 8));
  program->push_back(static_cast<uint8_t>(datagram.size()));
  program->insert(program->end(), datagram.begin(), datagram.end());
}

struct Recording {
  std::vector<Bytes> client;  // every datagram the client wrote, in order
  std::vector<Bytes> server;
  Bytes client_app_record;    // one application-data record from the client
  Bytes server_app_record;
};

// The contexts every endpoint of this program shares, as one Node env's are.
dtlssrtp::core::DtlsContextCache contexts;

std::unique_ptr<DtlsEndpoint> Make(const Certificate& c, bool server, bool cookies, size_t mtu) {
  DtlsConfig config;
  config.is_server = server;
  config.mtu = mtu;
  config.server_cookies = server && cookies;
  std::string message;
  std::vector<std::string> errors;
  config.context =
      contexts.Acquire(c.x509(), c.key(), "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80", &message, &errors);
  if (config.context == nullptr) std::abort();
  auto e = DtlsEndpoint::Create(config, &message, &errors);
  if (e == nullptr) std::abort();
  return e;
}

Recording Record(const Certificate& cc, const Certificate& sc, bool cookies, size_t mtu) {
  Verifier accept = [](const uint8_t*, size_t) { return VerifyVerdict::kAccept; };
  auto client = Make(cc, false, cookies, mtu);
  auto server = Make(sc, true, cookies, mtu);
  Recording r;
  server->Start(accept);
  client->Start(accept);
  for (int round = 0; round < 32; ++round) {
    auto to_server = client->TakeDatagrams();
    auto to_client = server->TakeDatagrams();
    if (to_server.empty() && to_client.empty()) break;
    for (auto& d : to_server) {
      r.client.push_back(d);
      server->Receive(d.data(), d.size(), accept);
    }
    for (auto& d : to_client) {
      r.server.push_back(d);
      client->Receive(d.data(), d.size(), accept);
    }
  }
  if (client->status() != DtlsStatus::kConnected || server->status() != DtlsStatus::kConnected) std::abort();
  const uint8_t hello[] = {'h', 'e', 'l', 'l', 'o'};
  client->Send(hello, sizeof hello);
  server->Send(hello, sizeof hello);
  r.client_app_record = client->TakeDatagrams().at(0);
  r.server_app_record = server->TakeDatagrams().at(0);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: dtls_seeds <out-dir>\n");
    return 2;
  }
  out_dir = argv[1];
  CertificateError error;
  auto cc = Certificate::Generate(KeyType::kEcdsaP256, 30, "seed-client", &error);
  auto sc = Certificate::Generate(KeyType::kEcdsaP256, 30, "seed-server", &error);
  if (cc == nullptr || sc == nullptr) return 1;

  for (int variant = 0; variant < 4; ++variant) {
    const bool cookies = (variant & 1) != 0;
    const bool small = (variant & 2) != 0;
    const Recording r = Record(*cc, *sc, cookies, small ? 300 : 1200);
    const uint8_t flags = static_cast<uint8_t>((cookies ? 4 : 0) | (small ? 8 : 0));
    const std::string tag = std::to_string(variant);

    // Before: a fresh target of each role gets the other side's recorded
    // datagrams, raw (its own randoms differ, so the handshake goes as far as
    // a replayed flight can take it).
    for (int server_target = 0; server_target < 2; ++server_target) {
      const auto& theirs = server_target ? r.client : r.server;
      Bytes all{static_cast<uint8_t>(flags | server_target)};
      for (const auto& d : theirs) {
        Raw(&all, d);
        Bytes one{static_cast<uint8_t>(flags | server_target)};
        Raw(&one, d);
        const std::string index = std::to_string(&d - &theirs[0]);
        Write("before-raw-" + tag + "-" + std::to_string(server_target) + "-" + index, one);
      }
      Write("before-raw-" + tag + "-" + std::to_string(server_target) + "-all", all);

      // Step by step with the real peer, then application data both ways.
      Bytes steps{static_cast<uint8_t>(flags | server_target)};
      for (int i = 0; i < 8; ++i) {
        steps.push_back(1);
        steps.push_back(1);
        steps.push_back(1);
        steps.push_back(2);
      }
      Bytes data_ops = {6, 3, 'a', 'b', 'c', 1, 9, 2, 'x', 'y', 2, 5};
      Bytes with_data = steps;
      with_data.insert(with_data.end(), data_ops.begin(), data_ops.end());
      Write("steps-" + tag + "-" + std::to_string(server_target), with_data);

      // Step by step with a mutated, a cut and a replayed datagram in between.
      Bytes noisy{static_cast<uint8_t>(flags | server_target)};
      for (int i = 0; i < 6; ++i) {
        noisy.insert(noisy.end(), {3, 0, static_cast<uint8_t>(13 + 7 * i), 0x40});
        noisy.insert(noisy.end(), {8, static_cast<uint8_t>(i)});
        noisy.insert(noisy.end(), {4, 0, static_cast<uint8_t>(20 + 9 * i)});
        noisy.insert(noisy.end(), {1, 2});
      }
      Write("noisy-" + tag + "-" + std::to_string(server_target), noisy);

      // After: data, replays of handshake datagrams, another association's
      // record, timeouts, close_notify.
      Bytes after{static_cast<uint8_t>(flags | 2 | server_target)};
      after.insert(after.end(), {6, 5, 'h', 'e', 'l', 'l', 'o', 1, 9, 2, 'o', 'k', 2});
      after.insert(after.end(), {6, 2, 'r', 'r', 3, 0, 20, 0x01});
      for (uint8_t k = 0; k < 8; ++k) after.insert(after.end(), {8, k});
      Raw(&after, server_target ? r.client_app_record : r.server_app_record);
      after.insert(after.end(), {5, 2, 7, 1, 2});
      Write("after-" + tag + "-" + std::to_string(server_target), after);

      Bytes after_close{static_cast<uint8_t>(flags | 2 | server_target), 10, 2, 6, 1, 'z', 1, 1};
      Write("after-close-" + tag + "-" + std::to_string(server_target), after_close);
    }
  }
  // Every use_srtp variant, after a handshake.
  for (uint8_t lists = 0; lists < 4; ++lists) {
    Write("profiles-" + std::to_string(lists), {static_cast<uint8_t>(2 | (lists << 4)), 6, 1, 'p', 1});
    Write("profiles-steps-" + std::to_string(lists),
          {static_cast<uint8_t>(1 | (lists << 4)), 1, 2, 1, 2, 1, 2, 1, 2});
  }
  std::printf("wrote %d seeds\n", written);
  return 0;
}
