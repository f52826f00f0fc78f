import React from 'react'

export const metadata = {
  description: 'A Payload app on Amazon DynamoDB',
  title: 'Payload on DynamoDB',
}

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: 'system-ui, sans-serif', margin: '2rem auto', maxWidth: 720 }}>
        {children}
      </body>
    </html>
  )
}
