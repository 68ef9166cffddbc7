/*
 * Test fixtures: realistic manifest bodies, from the specs' examples and from real registries. Not part of the build
 * (tsconfig excludes test-*.ts). Each body is the exact text a registry would send: digests are computed over it.
 */

/** UTF-8 bytes of a string. */
export const enc = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Docker image manifest, schema 2: the example of the Docker spec (manifest-v2-2.md), 4-space indented as there. */
export const DOCKER_IMAGE = `{
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {
        "mediaType": "application/vnd.docker.container.image.v1+json",
        "size": 7023,
        "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"
    },
    "layers": [
        {
            "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
            "size": 32654,
            "digest": "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f"
        },
        {
            "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
            "size": 16724,
            "digest": "sha256:3c3a4604a545cdc127456d94e421cd355bca5b528f4a9c1905b15da2eb4a4c6b"
        },
        {
            "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
            "size": 73109,
            "digest": "sha256:ec4b8955958665577945c89419d1af06b5f7636b4ac3da7f12184802ad867736"
        }
    ]
}`;

/** A Windows image with a foreign (non-pushable) base layer fetched from `urls`. */
export const DOCKER_IMAGE_FOREIGN = `{
   "schemaVersion": 2,
   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
   "config": {
      "mediaType": "application/vnd.docker.container.image.v1+json",
      "size": 1582,
      "digest": "sha256:9ba5f8d7f8ef2b5e6a2c2f7a3d0c2c6e6b2b5a6f9e7d2c1b0a9f8e7d6c5b4a39"
   },
   "layers": [
      {
         "mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
         "size": 102661372,
         "digest": "sha256:3889bb8d808bbae6fa5a33e07093e65c31371bcf9e4c38c21be6b9af52ad1548",
         "urls": [
            "https://mcr.microsoft.com/v2/windows/nanoserver/blobs/sha256:3889bb8d808bbae6fa5a33e07093e65c31371bcf9e4c38c21be6b9af52ad1548"
         ]
      }
   ]
}`;

/**
 * The shape of library/alpine's Docker manifest list (distribution writes lists 3-space indented), with the digests of
 * the alpine 3.23 platform images.
 */
export const ALPINE_DOCKER_LIST = `{
   "manifests": [
      {
         "digest": "sha256:1882fa4569e0c591ea092d3766c4893e19b8901a8e649de7067188aba3cc0679",
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "platform": {
            "architecture": "amd64",
            "os": "linux"
         },
         "size": 528
      },
      {
         "digest": "sha256:cd194307b3514d0b3eb229a1f6b0c92be4dd0e714b109a488269837170317944",
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "platform": {
            "architecture": "arm",
            "os": "linux",
            "variant": "v6"
         },
         "size": 528
      },
      {
         "digest": "sha256:d320aee528174169f76afc8ebd02feb0a42824bc2264d0da1761edff6f06bc5f",
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "platform": {
            "architecture": "arm",
            "os": "linux",
            "variant": "v7"
         },
         "size": 528
      },
      {
         "digest": "sha256:410dabcd6f1d53f1f4e5c1ce9553efa298ca6bcdd086dfc976b8f659d58b46d2",
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "platform": {
            "architecture": "arm64",
            "os": "linux",
            "variant": "v8"
         },
         "size": 528
      },
      {
         "digest": "sha256:16ff8a639f58b38d94b054e94c106dbbd8a60d45f8b1989f98516a3e8e0792ad",
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "platform": {
            "architecture": "386",
            "os": "linux"
         },
         "size": 528
      },
      {
         "digest": "sha256:a78fa7e4e73252c55e6ebd28dfb1e78d82a0f70d392e2cddcc7f545bf7d7ec16",
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "platform": {
            "architecture": "ppc64le",
            "os": "linux"
         },
         "size": 528
      },
      {
         "digest": "sha256:e1fe68c8d560a9853093a5e8ee615f3808116d97b634b774ccbace73d1de8956",
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "platform": {
            "architecture": "s390x",
            "os": "linux"
         },
         "size": 528
      }
   ],
   "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
   "schemaVersion": 2
}`;

/** Platform digests of alpine:3.23.2 and the digests of their BuildKit attestation manifests. */
export const ALPINE_PLATFORMS = [
  [
    "linux/amd64",
    "sha256:1882fa4569e0c591ea092d3766c4893e19b8901a8e649de7067188aba3cc0679",
    "sha256:f9fd905ebc9c0e5e6dac67fb89753e85b7b831273995bdca248ba4cb74ba2dc9",
  ],
  [
    "linux/arm/v6",
    "sha256:cd194307b3514d0b3eb229a1f6b0c92be4dd0e714b109a488269837170317944",
    "sha256:12dea40f86f302a827397587f50224bd18770941bca6ac880390cb336303b778",
  ],
  [
    "linux/arm/v7",
    "sha256:d320aee528174169f76afc8ebd02feb0a42824bc2264d0da1761edff6f06bc5f",
    "sha256:823ade00a6dc01039ba8c7bc8d5cc8075ee45ad513b3295a90083a315a05ce3c",
  ],
  [
    "linux/arm64/v8",
    "sha256:410dabcd6f1d53f1f4e5c1ce9553efa298ca6bcdd086dfc976b8f659d58b46d2",
    "sha256:b8b03df6fb6f8b5b7d23c7b607747e2071243bac0db5112e956591a43da59cff",
  ],
  [
    "linux/386",
    "sha256:16ff8a639f58b38d94b054e94c106dbbd8a60d45f8b1989f98516a3e8e0792ad",
    "sha256:10557b46ac595cfe54930c99d40caeda9a15f1d3e493090b06beba5b8b70bd1b",
  ],
  [
    "linux/ppc64le",
    "sha256:a78fa7e4e73252c55e6ebd28dfb1e78d82a0f70d392e2cddcc7f545bf7d7ec16",
    "sha256:bd761fcd6f08b37be19e84f4e6c63f3665c0357ba2174a65f19f8078bb2cc0e9",
  ],
  [
    "linux/riscv64",
    "sha256:6b283ad1125de2c183bcff24bc68f96eb034d09dd3ee56b8c7ba7dc832e5c1e7",
    "sha256:89dcdffaf28d22684df7b256a089f54706b7890bde407889f5ba90e620e3cae0",
  ],
  [
    "linux/s390x",
    "sha256:e1fe68c8d560a9853093a5e8ee615f3808116d97b634b774ccbace73d1de8956",
    "sha256:00dba905f263dba1db0300756d4a74af745f2e3a94f30c802450314af9af2202",
  ],
] as const;

/**
 * alpine:3.23.2 as Docker Hub serves it now: an OCI index, keys sorted (the official images' tooling writes them
 * that way), one image per platform and one BuildKit attestation manifest (`unknown/unknown`) per image.
 */
export const ALPINE_OCI_INDEX = JSON.stringify(
  {
    manifests: [
      ...ALPINE_PLATFORMS.map(([platform, digest]) => {
        const [os, architecture, variant] = platform.split("/");
        return {
          annotations: {
            "com.docker.official-images.bashbrew.arch": variant ? `${architecture}${variant}` : architecture,
            "org.opencontainers.image.base.name": "scratch",
            "org.opencontainers.image.created": "2025-12-18T00:12:12Z",
            "org.opencontainers.image.url": "https://hub.docker.com/_/alpine",
            "org.opencontainers.image.version": "3.23.2",
          },
          digest,
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          platform: { architecture, os, ...(variant ? { variant } : {}) },
          size: 1022,
        };
      }),
      ...ALPINE_PLATFORMS.map(([, digest, attestation]) => ({
        annotations: {
          "vnd.docker.reference.digest": digest,
          "vnd.docker.reference.type": "attestation-manifest",
        },
        digest: attestation,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        platform: { architecture: "unknown", os: "unknown" },
        size: 841,
      })),
    ],
    mediaType: "application/vnd.oci.image.index.v1+json",
    schemaVersion: 2,
  },
  null,
  2,
);

/** OCI image manifest: the example of image-spec manifest.md. */
export const OCI_IMAGE = `{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": {
    "mediaType": "application/vnd.oci.image.config.v1+json",
    "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7",
    "size": 7023
  },
  "layers": [
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
      "digest": "sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0",
      "size": 32654
    },
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
      "digest": "sha256:3c3a4604a545cdc127456d94e421cd355bca5b528f4a9c1905b15da2eb4a4c6b",
      "size": 16724
    },
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
      "digest": "sha256:ec4b8955958665577945c89419d1af06b5f7636b4ac3da7f12184802ad867736",
      "size": 73109
    }
  ],
  "subject": {
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
    "size": 7682
  },
  "annotations": {
    "com.example.key1": "value1",
    "com.example.key2": "value2"
  }
}`;

/** An OCI image written by buildah in OCI format: no `mediaType` anywhere at the top (it is optional in OCI). */
export const OCI_IMAGE_NO_MEDIATYPE = `{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:0c8d2b5a6dd9a3ad3a0d6a2c0f1e1ccbf1c66b0e1c7bbd4c5d2dd43b4e9a3a17","size":1497},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+zstd","digest":"sha256:6e771e15690e2fabf2332d3a3b744495411d6e0b00b2aea64419b58b0066cf81","size":2102553}],"annotations":{"org.opencontainers.image.base.name":"docker.io/library/alpine:3.23"}}`;

/**
 * An OCI 1.1 artifact with a subject: an SBOM attached to an image, with the empty config (embedded as `data`), as
 * oras and the image-spec artifact guidelines write it.
 */
export const OCI_ARTIFACT = `{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "artifactType": "application/spdx+json",
  "config": {
    "mediaType": "application/vnd.oci.empty.v1+json",
    "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
    "size": 2,
    "data": "e30="
  },
  "layers": [
    {
      "mediaType": "application/spdx+json",
      "digest": "sha256:4d6c3d6a1d1a6e3c1c0e3dfaff5b0e0c2d3e6b7e6f1f2a9b3c4d5e6f7a8b9c0d",
      "size": 18217,
      "annotations": {
        "org.opencontainers.image.title": "sbom.spdx.json"
      }
    }
  ],
  "subject": {
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": "sha256:1882fa4569e0c591ea092d3766c4893e19b8901a8e649de7067188aba3cc0679",
    "size": 1022
  },
  "annotations": {
    "org.opencontainers.image.created": "2025-12-18T10:00:00Z"
  }
}`;

/** OCI image index: the example of image-spec image-index.md, with an OCI 1.1 artifactType and subject added. */
export const OCI_INDEX_SPEC = `{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.index.v1+json",
  "artifactType": "application/vnd.example.bundle.v1",
  "manifests": [
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "size": 7143,
      "digest": "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f",
      "platform": {
        "architecture": "ppc64le",
        "os": "linux"
      }
    },
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "size": 7682,
      "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
      "platform": {
        "architecture": "amd64",
        "os": "linux"
      }
    }
  ],
  "subject": {
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": "sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0",
    "size": 1022
  },
  "annotations": {
    "com.example.key1": "value1",
    "com.example.key2": "value2"
  }
}`;

/** A Windows multi-version index (mcr.microsoft.com style): one image per Windows build, plus a Linux one. */
export const WINDOWS_INDEX = {
  schemaVersion: 2 as const,
  mediaType: "application/vnd.docker.distribution.manifest.list.v2+json",
  manifests: [
    { v: "10.0.17763.6532", d: "1".repeat(64) },
    { v: "10.0.20348.2849", d: "2".repeat(64) },
    { v: "10.0.26100.2314", d: "3".repeat(64) },
  ]
    .map(({ v, d }) => ({
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
      digest: `sha256:${d}`,
      size: 1125,
      platform: { architecture: "amd64", os: "windows", "os.version": v },
    }))
    .concat([
      {
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        digest: `sha256:${"4".repeat(64)}`,
        size: 1125,
        platform: { architecture: "amd64", os: "linux" } as never,
      },
    ]),
};

/** An unsigned schema 1 manifest (`application/vnd.docker.distribution.manifest.v1+json`), as old registries served it. */
export const SCHEMA1_UNSIGNED = String.raw`{
   "schemaVersion": 1,
   "name": "library/hello-world",
   "tag": "latest",
   "architecture": "amd64",
   "fsLayers": [
      {
         "blobSum": "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"
      },
      {
         "blobSum": "sha256:9d7588d3c0635b53bd9a7dcd40bdf5d2d32cd3fb919c3a29ec2febbc2449eb19"
      }
   ],
   "history": [
      {
         "v1Compatibility": "{\"id\":\"d7057cb020844f245031d27b76cb18af05db1cc3a96a29fa7777af75f5ac91a3\",\"parent\":\"cfa753dfea5e68a24366dfba16e6edf573daa447abf65bc11619c1a98a3aff54\",\"architecture\":\"amd64\",\"os\":\"linux\",\"Size\":0}\n"
      },
      {
         "v1Compatibility": "{\"id\":\"cfa753dfea5e68a24366dfba16e6edf573daa447abf65bc11619c1a98a3aff54\",\"architecture\":\"amd64\",\"os\":\"linux\",\"Size\":1095501}\n"
      }
   ]
}`;

/**
 * A real signed schema 1 manifest: docker.io/library/busybox:1.23 as re-signed in openshift/origin's
 * manifestschema1handler_test.go (manifestSchema1ShortHistory). Its ES256 signature verifies over the libtrust payload,
 * which proves the payload rule; {@link SCHEMA1_SIGNED_DIGEST} is the digest of that payload.
 */
export const SCHEMA1_SIGNED = String.raw`{
   "schemaVersion": 1,
   "name": "library/busybox",
   "tag": "1.23",
   "architecture": "amd64",
   "fsLayers": [
      {
         "blobSum": "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"
      },
      {
         "blobSum": "sha256:9d7588d3c0635b53bd9a7dcd40bdf5d2d32cd3fb919c3a29ec2febbc2449eb19"
      }
   ],
   "history": [
      {
         "v1Compatibility": "{\"id\":\"d7057cb020844f245031d27b76cb18af05db1cc3a96a29fa7777af75f5ac91a3\",\"parent\":\"cfa753dfea5e68a24366dfba16e6edf573daa447abf65bc11619c1a98a3aff54\",\"created\":\"2015-09-21T20:15:47.866196515Z\",\"container\":\"7f652467f9e6d1b3bf51172868b9b0c2fa1c711b112f4e987029b1624dd6295f\",\"container_config\":{\"Hostname\":\"5f8e0e129ff1\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,\"AttachStdout\":false,\"AttachStderr\":false,\"ExposedPorts\":null,\"PublishService\":\"\",\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":null,\"Cmd\":[\"/bin/sh\",\"-c\",\"#(nop) CMD [\\\"sh\\\"]\"],\"Image\":\"cfa753dfea5e68a24366dfba16e6edf573daa447abf65bc11619c1a98a3aff54\",\"Volumes\":null,\"VolumeDriver\":\"\",\"WorkingDir\":\"\",\"Entrypoint\":null,\"NetworkDisabled\":false,\"MacAddress\":\"\",\"OnBuild\":null,\"Labels\":null},\"docker_version\":\"1.8.2\",\"config\":{\"Hostname\":\"5f8e0e129ff1\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,\"AttachStdout\":false,\"AttachStderr\":false,\"ExposedPorts\":null,\"PublishService\":\"\",\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":null,\"Cmd\":[\"sh\"],\"Image\":\"cfa753dfea5e68a24366dfba16e6edf573daa447abf65bc11619c1a98a3aff54\",\"Volumes\":null,\"VolumeDriver\":\"\",\"WorkingDir\":\"\",\"Entrypoint\":null,\"NetworkDisabled\":false,\"MacAddress\":\"\",\"OnBuild\":null,\"Labels\":null},\"architecture\":\"amd64\",\"os\":\"linux\",\"Size\":0}\n"
      }
   ],
   "signatures": [
      {
         "header": {
            "jwk": {
               "crv": "P-256",
               "kid": "BMQ5:5OIV:TJXC:IJQE:BYCE:7UBD:SWFQ:HFBN:STVV:XDNE:VJRG:KUUA",
               "kty": "EC",
               "x": "rZo1KLwKH0ZfiTzGFxTTQxbarJZ7gE4fWuPrucpZwjo",
               "y": "QkoUQ3HauBjMythY94qevDCKzMEiLYJse3cVSqrSO4k"
            },
            "alg": "ES256"
         },
         "signature": "Fn_Diinka9s_cYTBvHoSklrBm3oM8rYe7PNZwEg_hAB-g0SOvTmiCqFjC9QahvhFtUZYT3cpZpJLFzRVAU32Tg",
         "protected": "eyJmb3JtYXRMZW5ndGgiOjE4NTksImZvcm1hdFRhaWwiOiJDbjAiLCJ0aW1lIjoiMjAxNy0wOS0xOFQxNDozMzo0MFoifQ"
      }
   ]
}`;

/** sha256 of the JWS payload of {@link SCHEMA1_SIGNED} (first 1859 bytes + "\n}"). */
export const SCHEMA1_SIGNED_DIGEST =
  "sha256:281a0c8995246a77958babe6907e887141ca6c21274712273433dd74a5f8619f";

/** An alpine-like image config as BuildKit writes it. */
export const ALPINE_CONFIG = String.raw`{"architecture":"amd64","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sh"],"WorkingDir":"/","ArgsEscaped":true},"created":"2025-12-18T00:12:12Z","history":[{"created":"2025-12-18T00:12:12Z","created_by":"ADD alpine-minirootfs-3.23.2-x86_64.tar.gz / # buildkit","comment":"buildkit.dockerfile.v0"},{"created":"2025-12-18T00:12:12Z","created_by":"CMD [\"/bin/sh\"]","comment":"buildkit.dockerfile.v0","empty_layer":true}],"os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:2d35ebdb57d9971fea0cac1582aa78935adf8058b2cc32db163c98822e5dfa1b"]}}`;

/** A Docker (moby classic builder) config: `null` for empty fields, extra top-level keys. */
export const DOCKER_CONFIG_LEGACY = String.raw`{"architecture":"arm","variant":"v7","os":"linux","author":"someone","config":{"Hostname":"","User":"nginx","ExposedPorts":{"80/tcp":{}},"Env":null,"Entrypoint":["/docker-entrypoint.sh"],"Cmd":["nginx","-g","daemon off;"],"Volumes":null,"WorkingDir":"","Labels":{"maintainer":"NGINX Docker Maintainers"},"StopSignal":"SIGQUIT","OnBuild":null},"container":"3f1f1f...","docker_version":"20.10.7","created":"2021-07-07T19:51:08.011Z","history":[{"created":"2021-07-07T19:51:08.011Z","created_by":"/bin/sh -c #(nop)  CMD [\"nginx\"]","empty_layer":true}],"rootfs":{"type":"layers","diff_ids":[]}}`;

/**
 * A cosign signature (`sha256-<digest>.sig` tag), as cosign 2 writes it: a simplesigning layer whose annotations carry
 * the signature, the Rekor bundle (JSON in a string) and a PEM certificate with newlines.
 * https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md
 */
export const COSIGN_SIGNATURE = String.raw`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":233,"digest":"sha256:e58cdcd8e1bc6f1b1ec3bdda7e8b6c0f3a53e6bde4a2f55a2f8f8c2d5e2b0a17"},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":248,"digest":"sha256:7b9f0e1c2d3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5","annotations":{"dev.cosignproject.cosign/signature":"MEUCIQDx1ZK3mFJ4dq3VtV2y7r+7c1T0l1cB3yKqfBv8FJ9vKAIgG2d0m5l0b6F2+Qm1Yt8N0cZr6m4b8Yv3mW9ZlJq5dGk=","dev.sigstore.cosign/bundle":"{\"SignedEntryTimestamp\":\"MEYCIQC1\",\"Payload\":{\"body\":\"eyJhcGlWZXJzaW9uIjoiMC4wLjEifQ==\",\"integratedTime\":1733011200,\"logIndex\":153266372,\"logID\":\"c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d\"}}","dev.sigstore.cosign/certificate":"-----BEGIN CERTIFICATE-----\nMIICqDCCAi6gAwIBAgIUQ0==\n-----END CERTIFICATE-----\n","dev.sigstore.cosign/chain":"-----BEGIN CERTIFICATE-----\nMIIB9zCCAXygAwIBAgIU==\n-----END CERTIFICATE-----\n"}}]}`;

/**
 * A Helm chart pushed with `helm push` (Helm 3.8+, through oras): no top-level mediaType, Helm's config and chart
 * layer types. https://helm.sh/docs/topics/registries/
 */
export const HELM_CHART = `{"schemaVersion":2,"config":{"mediaType":"application/vnd.cncf.helm.config.v1+json","digest":"sha256:8ec7c0f2f6860037c19b54c3cfbab48d9b4b21b485a93d87b64690fdb6ea63ec","size":117},"layers":[{"mediaType":"application/vnd.cncf.helm.chart.content.v1.tar+gzip","digest":"sha256:1b251d38cfe948dfc0a5745b7af5ca574ecb61e52aed10b19039db39af6e1617","size":3732}],"annotations":{"org.opencontainers.image.created":"2025-11-30T10:00:00Z","org.opencontainers.image.description":"A Helm chart for Kubernetes","org.opencontainers.image.title":"mychart","org.opencontainers.image.version":"0.1.0"}}`;

/** The shape of gcr.io/distroless/static's OCI index: five platforms, with arm/v7 and no annotations. */
export const DISTROLESS_INDEX = `{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.index.v1+json",
  "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1193, "digest": "sha256:3d0f463de06b7ddff27684ec3bfd0b54a425149d0f8685308b1fdf297b0265e9", "platform": {"architecture": "amd64", "os": "linux"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1193, "digest": "sha256:f4e3a5d5a1d8c4b2e6e9d3c4a0b7f8e1d2c3b4a5968778695a4b3c2d1e0f9a8b", "platform": {"architecture": "arm", "os": "linux", "variant": "v7"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1193, "digest": "sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9", "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1193, "digest": "sha256:9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0", "platform": {"architecture": "ppc64le", "os": "linux"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1193, "digest": "sha256:1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef", "platform": {"architecture": "s390x", "os": "linux"}}
  ]
}`;
